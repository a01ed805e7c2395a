/** The media type of a Content-Type header, lower-cased and without parameters such as a charset; undefined without a header. */
export function mediaType(contentType: string | null): string | undefined {
  if (contentType === null) return undefined
  const end = contentType.indexOf(';')
  return (end === -1 ? contentType : contentType.slice(0, end)).trim().toLowerCase()
}
