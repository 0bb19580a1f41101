/** OSS percent-encoding: A-Z a-z 0-9 - _ . ~ stay, `/` stays when asked, everything else is %XX. */
export function ossEncode(text: string, keepSlash: boolean): string {
  const out = encodeURIComponent(text).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  return keepSlash ? out.replaceAll('%2F', '/') : out;
}
