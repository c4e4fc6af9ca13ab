/** The part of dcmjs this app uses (it ships no types): naturalized datasets in and out of Part 10 files. */
declare module 'dcmjs' {
  type Dataset = Record<string, unknown>;
  class DicomDict {
    constructor(meta: Dataset);
    meta: Dataset;
    dict: Dataset;
    write(options?: { fragmentMultiframe?: boolean }): ArrayBuffer;
  }
  const dcmjs: {
    data: {
      DicomDict: typeof DicomDict;
      DicomMessage: { readFile(buffer: ArrayBuffer): DicomDict };
      DicomMetaDictionary: {
        denaturalizeDataset(dataset: Dataset): Dataset;
        naturalizeDataset(dataset: Dataset): Dataset;
      };
    };
  };
  export default dcmjs;
}
