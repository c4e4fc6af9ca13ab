import path from 'node:path';
import type { CameraSource } from '../camera/source.js';
import type { Explanation } from '../classifier/classifier.js';
import type { ImageClassifier } from '../classifier/workerClient.js';
import { UserError } from '../errors.js';
import { readRegularFile } from '../regularFile.js';
import { writeSessionCsv } from '../store/exportFile.js';
import type { Capture, CaptureResult, Lesion, Session, SessionLog } from '../store/sessionLog.js';

/** Who the next session is for; it is written to the log at its first capture, so no session is ever empty. */
export interface SessionPlan {
  operator: string;
  patientRef?: string;
}

/**
 * What one press of the capture key came to:
 * - `answered`: classified and logged, benign, malignant or uncertain;
 * - `refused`: logged, but the picture failed the quality gate or is not a lesion;
 * - `failed`: the camera, the classifier or the log failed, and nothing was logged.
 */
export type CaptureOutcome =
  | { kind: 'answered' | 'refused'; capture: Capture; session: Session }
  | { kind: 'failed'; message: string };

/** A lesion to follow: one of the patient's, or a new one at a body site. */
export type LesionChoice = Lesion | { new: true; bodySite: string | null };

export interface CaptureFlowDeps {
  camera: CameraSource;
  /** Undefined while the model loads (seconds on a Pi): until `useClassifier`, nothing is captured or explained. */
  classifier?: ImageClassifier;
  store: SessionLog;
  appVersion: string;
}

const STILL_LOADING = 'The model is still loading: try again when it is ready.';

/**
 * The capture flow, without any screen: camera → classifier → log, one still at a time, and
 * every change an operator makes to what was logged (a body site, a retake, a lesion, an export).
 */
export class CaptureFlow {
  private current: Session | undefined;
  private followed: Lesion | undefined;

  constructor(
    private readonly deps: CaptureFlowDeps,
    private plan: SessionPlan,
  ) {}

  /** The model has loaded: captures can be classified from now on. */
  useClassifier(classifier: ImageClassifier): void {
    this.deps.classifier = classifier;
  }

  get ready(): boolean {
    return this.deps.classifier !== undefined;
  }

  /** The session being logged, undefined until the first capture of a plan. */
  get session(): Session | undefined {
    return this.current;
  }

  get sessionPlan(): SessionPlan {
    return this.plan;
  }

  /** Withdraws a capture (its image is deleted; the log keeps a note of why). */
  async withdraw(capture: Capture, reason: string): Promise<void> {
    await this.deps.store.withdrawCapture(capture.id, reason);
    if (this.current) this.current = this.deps.store.session(this.current.id);
  }

  /** Sets a capture's body site and note. */
  async annotate(capture: Capture, fields: { body_site?: string; note?: string }): Promise<Capture> {
    const updated = await this.deps.store.annotate(capture.id, fields);
    if (!updated) throw new UserError(`Capture ${capture.id} is not in the log.`);
    return updated;
  }

  /** Writes the current session's captures as CSV into the data folder; returns the file's path. */
  async exportSession(): Promise<string> {
    if (!this.current) throw new UserError('Nothing to export yet: a session starts at its first capture.');
    return writeSessionCsv(this.deps.store, this.current.id);
  }

  /** A logged capture's picture, as its file holds it. */
  picture(capture: Capture): Promise<Buffer> {
    return readRegularFile(path.join(this.deps.store.dataDir, capture.image_path), { followLinks: false });
  }

  /** The next capture starts a new session for this operator and patient (and follows no lesion). */
  planSession(plan: SessionPlan): void {
    this.plan = plan;
    this.current = undefined;
    this.followed = undefined;
  }

  /** The lesion each capture of this session is attached to as it is logged, if any. */
  get followedLesion(): Lesion | undefined {
    return this.followed;
  }

  /** The patient whose lesions a capture (or, without one, the next capture) can join. */
  patientOf(capture: Capture | undefined): string | null {
    return capture ? (this.deps.store.session(capture.session_id)?.patient_ref ?? null) : this.current?.patient_ref ?? this.plan.patientRef?.trim() ?? null;
  }

  /**
   * Follows a lesion (a new one at `bodySite` when 'new'): `capture`, if given, is attached to it now,
   * and the next captures of this session (or of the planned one) as they are logged. A capture of
   * an earlier session is attached without following.
   */
  async follow(capture: Capture | undefined, lesion: LesionChoice): Promise<{ lesion: Lesion; capture?: Capture }> {
    const { store } = this.deps;
    const patient = this.patientOf(capture);
    if (!patient) throw new UserError('A lesion belongs to a patient: plan a session with a patient reference (n), or take a capture first.');
    const target = 'new' in lesion ? await store.addLesion(patient, lesion.bodySite) : lesion;
    const attached = capture && (await store.attachToLesion(capture.id, target.id));
    if (!capture || capture.session_id === this.current?.id) this.followed = target;
    return { lesion: target, capture: attached };
  }

  /** Attaches a new capture to the followed lesion, and gives it the lesion's body site: its record and DICOM object say where it was taken. */
  private async joinFollowed(logged: Capture, lesion: Lesion): Promise<Capture> {
    const attached = await this.deps.store.attachToLesion(logged.id, lesion.id);
    if (!lesion.body_site || attached.body_site) return attached;
    return (await this.deps.store.annotate(logged.id, { body_site: lesion.body_site })) ?? attached;
  }

  /** Where the model looked in a logged capture: its image as logged, explained by the classifier. */
  async explain(capture: Capture, onProgress?: (done: number) => void): Promise<Explanation> {
    if (!this.deps.classifier) throw new UserError(STILL_LOADING);
    return this.deps.classifier.explain(await this.picture(capture), onProgress);
  }

  async capture(): Promise<CaptureOutcome> {
    const { camera, classifier, store, appVersion } = this.deps;
    if (!classifier) return { kind: 'failed', message: STILL_LOADING };
    let still: Buffer;
    let prediction;
    try {
      await store.refuseWhenMoved(); // a log that can no longer be written takes no picture
    } catch (error) {
      return { kind: 'failed', message: (error as Error).message };
    }
    try {
      still = await camera.capture();
    } catch (error) {
      return { kind: 'failed', message: error instanceof UserError ? error.message : `The camera failed: ${(error as Error).message}` };
    }
    try {
      prediction = await classifier.classify(still);
    } catch (error) {
      return { kind: 'failed', message: `The picture could not be classified, so nothing was logged: ${(error as Error).message}` };
    }
    const { info } = classifier;
    const result: CaptureResult = {
      p_malignant: prediction.p_malignant,
      label: prediction.label,
      threshold: info.threshold,
      uncertain_low: info.uncertainBand.low,
      uncertain_high: info.uncertainBand.high,
      ood_score: prediction.ood_score,
      ood_threshold: info.oodThreshold,
      model_name: info.modelName,
      model_version: info.modelVersion,
      model_sha256: info.modelSha256,
      backend: info.backend,
      latency_ms: prediction.ms,
      quality: prediction.quality,
      camera: camera.description,
      app_version: appVersion,
    };
    try {
      this.current ??= await store.startSession(this.plan.operator, this.plan.patientRef);
      if (this.followed && this.followed.patient_ref !== this.current.patient_ref) this.followed = undefined;
      const logged = await store.addCapture(this.current.id, still, result);
      // the capture is logged either way; only its link to the followed lesion could be missing, and the lesion screen shows that
      const capture = this.followed ? await this.joinFollowed(logged, this.followed).catch(() => logged) : logged;
      this.current = store.session(this.current.id)!;
      return { kind: prediction.label === 'rejected' ? 'refused' : 'answered', capture, session: this.current };
    } catch (error) {
      return { kind: 'failed', message: error instanceof UserError ? error.message : `The capture was not saved: ${(error as Error).message}` };
    }
  }
}
