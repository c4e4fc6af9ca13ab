import dcmjs from 'dcmjs';
import type { Capture, Session } from '../store/records.js';
import { captureUids, patientAndStudy, VL_PHOTOGRAPHIC_IMAGE } from './captureObject.js';
import { dicomTime } from './dicomTime.js';
import { derivedUid } from './uid.js';

const { DicomDict, DicomMetaDictionary } = dcmjs.data;

export const KEY_OBJECT_SELECTION = '1.2.840.10008.5.1.4.1.1.88.59';
const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
const IMPLEMENTATION_CLASS_UID = derivedUid('dermacam', 'implementation');

/** The SOP Instance UID of the rejection note of `rejectedUid`: one note per rejected object, the same for every destination. */
export const rejectionNoteUid = (logIdentity: string, rejectedUid: string) => derivedUid(logIdentity, 'rejection', rejectedUid);

/**
 * An IHE IOCM rejection note (PS3.3 A.35.4, TID 2010): a Key Object Selection Document titled
 * (113001, DCM, "Rejected for Quality Reasons") that names `rejectedUid`, an object of `capture` (a version
 * since superseded, or a capture since withdrawn), in the same patient and study, in a series of its own. It is
 * dated like the capture, so that it is a function of the log and of the rejected UID alone. Returns the Part 10
 * file's bytes, in Explicit VR Little Endian.
 */
export function rejectionNote({ logIdentity, session, capture, rejectedUid }: { logIdentity: string; session: Session; capture: Capture; rejectedUid: string }): Uint8Array {
  const uids = captureUids(logIdentity, session, capture);
  const instance = rejectionNoteUid(logIdentity, rejectedUid);
  const taken = dicomTime(capture.captured_at);
  const rejected = { ReferencedSOPClassUID: VL_PHOTOGRAPHIC_IMAGE, ReferencedSOPInstanceUID: rejectedUid };
  const dataset = {
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: KEY_OBJECT_SELECTION,
    SOPInstanceUID: instance,
    ...patientAndStudy(session, uids.study),
    Modality: 'KO',
    SeriesInstanceUID: derivedUid(logIdentity, 'rejection series', session.id),
    SeriesNumber: '1',
    ReferencedPerformedProcedureStepSequence: [],
    Manufacturer: 'dermacam',
    InstanceNumber: '1',
    ContentDate: taken.date,
    ContentTime: taken.time,
    CurrentRequestedProcedureEvidenceSequence: [
      { StudyInstanceUID: uids.study, ReferencedSeriesSequence: [{ SeriesInstanceUID: uids.series, ReferencedSOPSequence: [rejected] }] },
    ],
    ValueType: 'CONTAINER',
    ConceptNameCodeSequence: [{ CodeValue: '113001', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Rejected for Quality Reasons' }],
    ContinuityOfContent: 'SEPARATE',
    ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: '2010' }],
    ContentSequence: [{ RelationshipType: 'CONTAINS', ValueType: 'IMAGE', ReferencedSOPSequence: [rejected] }],
  };
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: KEY_OBJECT_SELECTION,
    MediaStorageSOPInstanceUID: instance,
    TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: 'DERMACAM',
  };
  const file = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  file.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  return new Uint8Array(file.write());
}
