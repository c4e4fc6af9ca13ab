import dcmjs from 'dcmjs';
import { bodySiteNamed, type BodySite, type CodedConcept } from '../bodySites.js';
import { UserError } from '../errors.js';
import { patientIdProblem } from '../patientRef.js';
import type { CapturePosition } from '../store/capturePosition.js';
import { GENERATED_REF_PREFIX, type Capture, type Session } from '../store/records.js';
import { dicomTime } from './dicomTime.js';
import { equipmentAttributes, type Equipment } from './equipment.js';
import { LOCAL_CODING_SCHEME, resultItems, resultSummary, type TrackedLesion } from './resultContent.js';
import { derivedUid } from './uid.js';
import { longText, oneValue, personName } from './vrText.js';

const { DicomDict, DicomMetaDictionary } = dcmjs.data;

export const VL_PHOTOGRAPHIC_IMAGE = '1.2.840.10008.5.1.4.1.1.77.1.4';
export const JPEG_BASELINE = '1.2.840.10008.1.2.4.50';
/** Identifies the software that wrote the file (its File Meta Information), derived like every other UID here. */
const IMPLEMENTATION_CLASS_UID = derivedUid('dermacam', 'implementation');

/** What a logged JPEG holds, as sharp's metadata reports it. */
export interface JpegFacts {
  width: number;
  height: number;
  channels: number;
  isProgressive?: boolean;
}

export interface CaptureObjectInput {
  /** What makes this log's UIDs its own: the hash of its first journal entry. */
  logIdentity: string;
  session: Session;
  capture: Capture;
  /** The capture's JPEG exactly as logged: encapsulated as it is, so its sha256 in the log still vouches for the pixels. */
  jpeg: Uint8Array;
  facts: JpegFacts;
  appVersion: string;
  /** The capture's Series and Instance Number (`SessionLog.capturePosition`); 1 and 1 when left out. */
  position?: CapturePosition;
  /** The lesion the capture shows, where it follows one. */
  lesion?: TrackedLesion;
  /** From the configuration (`readPacsConfig`). */
  equipment?: Equipment;
  /** The hash of the journal entry that made the capture's current version (`SessionLog.captureVersion`); none for the first. */
  version?: string;
}

/**
 * The UIDs of a capture's object; derived from the log, so a resend or a second export is the same object.
 * Each version of the capture (`version`: the journal entry that made it) is an object of its own, and so is
 * one made after the configured equipment changed: one UID never names two different objects.
 */
export function captureUids(logIdentity: string, session: Session, capture: Capture, version?: string, equipment: Equipment = {}) {
  const attributes = equipmentAttributes(equipment);
  const configured = Object.keys(attributes).length > 0 ? [JSON.stringify(attributes)] : [];
  return {
    study: derivedUid(logIdentity, 'study', session.id),
    series: derivedUid(logIdentity, 'series', session.id, capture.camera ?? ''),
    instance: derivedUid(logIdentity, 'instance', capture.id, capture.image_sha256, ...(version === undefined ? [] : [version]), ...configured),
  };
}

/**
 * The Patient ID a session goes by: its pseudonymous reference, never a name. Sessions logged before
 * references were generated (`generatedPatientRef`) have none; they keep the one they were sent with.
 */
export function patientId(session: Session): string {
  return session.patient_ref ?? `${GENERATED_REF_PREFIX}${session.id}`;
}

/** A capture that cannot become a DICOM object, in one sentence for the operator. */
export class UnsendableCaptureError extends UserError {}

/**
 * A capture as a DICOM VL Photographic Image (PS3.3 A.32.4): the logged JPEG encapsulated in
 * JPEG Baseline, one Study per session, one Series per session and camera, the classifier's verdict in
 * Image Comments, which every PACS viewer shows, and the result in full as structured content items.
 * Every text is fitted to its VR (`vrText.ts`). Returns the Part 10 file's bytes.
 */
/** The patient (a pseudonym only) and the study (the session), as every object of the session names them. */
export function patientAndStudy(session: Session, studyUid: string) {
  const study = dicomTime(session.started_at);
  return {
    PatientName: '',
    PatientID: patientId(session),
    PatientBirthDate: '',
    PatientSex: '',
    StudyInstanceUID: studyUid,
    StudyDate: study.date,
    StudyTime: study.time,
    StudyID: session.id.slice(0, 16),
    AccessionNumber: '',
    ReferringPhysicianName: '',
  };
}

export function captureObject({ logIdentity, session, capture, jpeg, facts, appVersion, version, position = { series: 1, instance: 1 }, lesion, equipment }: CaptureObjectInput): Uint8Array {
  if (facts.isProgressive) throw new UnsendableCaptureError(`Capture ${capture.id} is a progressive JPEG, which JPEG Baseline cannot carry.`);
  // a reference logged before references were checked: no object with an invalid Patient ID is ever made
  const idProblem = patientIdProblem(patientId(session));
  if (idProblem) throw new UnsendableCaptureError(`Capture ${capture.id} cannot become a DICOM object: the patient reference of session ${session.id} ${idProblem}.`);
  const uids = captureUids(logIdentity, session, capture, version, equipment);
  const taken = dicomTime(capture.captured_at);
  const colour = facts.channels >= 3;
  const site = bodySiteNamed(capture.body_site);
  const dataset = {
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: VL_PHOTOGRAPHIC_IMAGE,
    SOPInstanceUID: uids.instance,
    InstanceCreationDate: taken.date,
    InstanceCreationTime: taken.time,
    TimezoneOffsetFromUTC: taken.offset,
    ...patientAndStudy(session, uids.study),
    StudyDescription: 'dermacam skin lesion photographs',
    // series: the session's pictures from one camera
    Modality: 'XC',
    SeriesInstanceUID: uids.series,
    SeriesNumber: String(position.series),
    SeriesDescription: oneValue(`dermacam ${capture.camera ?? 'camera'}`, 'LO'),
    // a listed site says its side per image (Image Laterality, below); only an unknown site leaves it unknown
    ...(site ? {} : { Laterality: '' }),
    OperatorsName: personName(session.operator),
    // equipment
    Manufacturer: 'dermacam',
    ManufacturerModelName: 'dermacam (research use, not a medical device)',
    ...equipmentAttributes(equipment), // Issuer of Patient ID, Station Name, Device Serial Number (dcmjs writes tags in order)
    SoftwareVersions: [`dermacam ${capture.app_version ?? appVersion}`, `${capture.model_name} ${capture.model_version ?? ''} ${capture.model_sha256.slice(0, 12)}`.replace(/ +/g, ' ')].map((version) => oneValue(version, 'LO')),
    // image
    InstanceNumber: String(position.instance),
    PatientOrientation: '',
    ContentDate: taken.date,
    ContentTime: taken.time,
    AcquisitionDateTime: taken.dateTime,
    ImageType: ['ORIGINAL', 'PRIMARY'],
    ...(site ? { ImageLaterality: site.laterality ? site.laterality.meaning[0] : 'U' } : {}),
    ImageComments: longText(resultSummary(capture, lesion)),
    AcquisitionContextSequence: resultItems(capture, lesion),
    CodingSchemeIdentificationSequence: [LOCAL_CODING_SCHEME],
    ...anatomicRegion(site),
    LossyImageCompression: '01',
    LossyImageCompressionMethod: 'ISO_10918_1',
    SamplesPerPixel: colour ? 3 : 1,
    // the value the VL image modules allow for a colour JPEG Baseline stream, whatever its chroma
    // subsampling (YBR_FULL is not among them); dcmtk's img2dcm writes the same
    PhotometricInterpretation: colour ? 'YBR_FULL_422' : 'MONOCHROME2',
    ...(colour ? { PlanarConfiguration: 0 } : {}),
    Rows: facts.height,
    Columns: facts.width,
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    PixelRepresentation: 0,
    PixelData: [jpeg.buffer.slice(jpeg.byteOffset, jpeg.byteOffset + jpeg.byteLength)],
    _vrMap: { PixelData: 'OB' },
  };
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: VL_PHOTOGRAPHIC_IMAGE,
    MediaStorageSOPInstanceUID: uids.instance,
    TransferSyntaxUID: JPEG_BASELINE,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: 'DERMACAM',
  };
  const file = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  file.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  return new Uint8Array(file.write({ fragmentMultiframe: false }));
}

/** A listed body site as the Anatomic Region Sequence (SNOMED CT), with its side as a modifier; free text is a content item alone. */
function anatomicRegion(site: BodySite | undefined) {
  if (!site) return {};
  const sct = (concept: CodedConcept) => ({ CodeValue: concept.code, CodingSchemeDesignator: 'SCT', CodeMeaning: concept.meaning });
  return { AnatomicRegionSequence: [{ ...sct(site), ...(site.laterality ? { AnatomicRegionModifierSequence: [sct(site.laterality)] } : {}) }] };
}
