// OSS-style error answers: an XML body (or, for HEAD, the same XML base64-encoded in x-oss-err).

/** An error the server answers with; thrown from anywhere inside a request handler. */
export class OssError extends Error {
  readonly status: number;
  readonly code: string;
  readonly ec: string;
  /** Extra child elements of <Error>, e.g. ServerTime for RequestTimeTooSkewed. */
  readonly extra: Record<string, string>;
  /** Extra response headers, e.g. x-oss-delete-marker on a 404 for a delete marker. */
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    message: string,
    ec: string,
    extra: Record<string, string> = {},
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.ec = ec;
    this.extra = extra;
    this.headers = headers;
  }
}

const XML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

export function escapeXml(text: string): string {
  // Control characters other than tab/newline are not allowed in XML 1.0 at all.
  return text
    .replace(/[&<>"']/g, (c) => XML_ESCAPES[c] ?? c)
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, (c) => `&#x${c.charCodeAt(0).toString(16)};`);
}

export function errorXml(error: OssError, requestId: string, hostId: string): string {
  const element = (name: string, value: string) => `  <${name}>${escapeXml(value)}</${name}>\n`;
  let xml = '<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n';
  xml += element('Code', error.code);
  xml += element('Message', error.message);
  xml += element('RequestId', requestId);
  xml += element('HostId', hostId);
  for (const [name, value] of Object.entries(error.extra)) xml += element(name, value);
  xml += element('EC', error.ec);
  xml += element('RecommendDoc', `https://api.aliyun.com/troubleshoot?q=${error.ec}`);
  xml += '</Error>\n';
  return xml;
}

// Error constructors used in more than one module. ECs marked (doc) are from the OSS error-code
// pages; the others are plausible stand-ins (OSS documents that ECs may change).
export const errors = {
  accessDenied: (message: string, ec = '0003-00000001' /* doc */) => new OssError(403, 'AccessDenied', message, ec),
  invalidArgument: (message: string, ec = '0016-00000001') => new OssError(400, 'InvalidArgument', message, ec),
  missingArgument: (message: string) => new OssError(400, 'MissingArgument', message, '0016-00000502' /* doc */),
  noSuchBucket: (bucket: string) =>
    new OssError(404, 'NoSuchBucket', 'The specified bucket does not exist.', '0015-00000101', { BucketName: bucket }),
  noSuchKey: (key: string, headers: Record<string, string> = {}) =>
    new OssError(404, 'NoSuchKey', 'The specified key does not exist.', '0026-00000001', { Key: key }, headers),
  internal: (message = 'We encountered an internal error. Please try again.') =>
    new OssError(500, 'InternalError', message, '0000-00000001'),
  notImplemented: (what: string) =>
    new OssError(501, 'NotImplemented', `${what} is not implemented by this local OSS server.`, '0000-00000501'),
};
