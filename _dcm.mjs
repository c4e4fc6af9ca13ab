import dcmjs from 'dcmjs';
import { readFileSync, writeFileSync } from 'node:fs';
const { DicomMetaDictionary, DicomDict } = dcmjs.data;
const jpeg = readFileSync('../shared/data/fixtures/ISIC_0024358.jpg');
const sop = '2.25.' + BigInt('0x' + Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('hex')).toString();
const ds = {
  SOPClassUID: '1.2.840.10008.5.1.4.1.1.77.1.4',
  SOPInstanceUID: sop,
  StudyInstanceUID: '2.25.1', SeriesInstanceUID: '2.25.2',
  Modality: 'XC', PatientID: 'P-1', PatientName: '', PatientBirthDate: '', PatientSex: '',
  StudyDate: '20261127', StudyTime: '101500', AccessionNumber: '', ReferringPhysicianName: '', StudyID: '1', SeriesNumber: '1', InstanceNumber: '1',
  Manufacturer: 'dermacam', ContentDate: '20261127', ContentTime: '101500', AcquisitionDateTime: '20261127101500+0000',
  ImageType: ['ORIGINAL', 'PRIMARY'], SamplesPerPixel: 3, PhotometricInterpretation: 'YBR_FULL_422', PlanarConfiguration: 0,
  Rows: 450, Columns: 600, BitsAllocated: 8, BitsStored: 8, HighBit: 7, PixelRepresentation: 0, LossyImageCompression: '01',
  PixelData: [jpeg.buffer.slice(jpeg.byteOffset, jpeg.byteOffset + jpeg.byteLength)],
  _meta: {}, _vrMap: { PixelData: 'OB' },
};
const meta = { FileMetaInformationVersion: new Uint8Array([0, 1]).buffer, MediaStorageSOPClassUID: ds.SOPClassUID, MediaStorageSOPInstanceUID: sop, TransferSyntaxUID: '1.2.840.10008.1.2.4.50', ImplementationClassUID: '2.25.3', ImplementationVersionName: 'dermacam' };
const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
dict.dict = DicomMetaDictionary.denaturalizeDataset(ds);
const buf = Buffer.from(dict.write({ fragmentMultiframe: false }));
writeFileSync('/tmp/t.dcm', buf);
console.log(buf.length, jpeg.length);
