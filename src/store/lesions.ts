import type Database from 'better-sqlite3';
import type { Capture, Lesion } from './records.js';

/** Lesions in the order they were added, of one patient or of all. */
export function lesionsOf(db: Database.Database, patientRef?: string): Lesion[] {
  return (
    patientRef === undefined
      ? db.prepare('SELECT * FROM lesions ORDER BY rowid')
      : db.prepare('SELECT * FROM lesions WHERE patient_ref = ? ORDER BY rowid')
  ).all(...(patientRef === undefined ? [] : [patientRef])) as Lesion[];
}

export function lesionById(db: Database.Database, id: string): Lesion | undefined {
  return db.prepare('SELECT * FROM lesions WHERE id = ?').get(id) as Lesion | undefined;
}

/** A lesion's captures, oldest first; withdrawn ones (retakes) are left out. */
export function capturesOfLesion(db: Database.Database, lesionId: string): Capture[] {
  return db.prepare('SELECT * FROM captures WHERE lesion_id = ? AND withdrawn_at IS NULL ORDER BY captured_at, rowid').all(lesionId) as Capture[];
}

/** A patient's next lesion label: L1, L2, … in the order they were added. */
export function nextLesionLabel(db: Database.Database, patientRef: string): string {
  const { count } = db.prepare('SELECT count(*) AS count FROM lesions WHERE patient_ref = ?').get(patientRef) as { count: number };
  return `L${count + 1}`;
}

/** The patient reference of a capture's session. */
export function patientOfCapture(db: Database.Database, captureId: string): string | null | undefined {
  const row = db.prepare('SELECT s.patient_ref FROM captures c JOIN sessions s ON s.id = c.session_id WHERE c.id = ?').get(captureId) as { patient_ref: string | null } | undefined;
  return row?.patient_ref;
}
