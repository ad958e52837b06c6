/** A reason a DICOM file cannot be parsed, in plain words; `truncated` when it looks cut short. dicom.ts adds the file and the fix. */
export class ParseError extends Error {
  constructor(
    message: string,
    readonly truncated = false,
  ) {
    super(message);
  }
}
