// The same page with ali-oss 6.x: bundlers take its browser build (package.json "browser":
// lib/client.js → dist/aliyun-oss-sdk.js), which carries its own Node polyfills.
import OSS from 'ali-oss';

const form = document.querySelector('form')!;
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const sts = await (await fetch('/sts', { method: 'POST' })).json() as { accessKeyId: string; accessKeySecret: string; securityToken: string };
  const client = new OSS({
    region: 'oss-cn-hangzhou',
    bucket: 'examplebucket',
    accessKeyId: sts.accessKeyId,
    accessKeySecret: sts.accessKeySecret,
    stsToken: sts.securityToken,
    authorizationV4: true,
  });
  const result = await client.putSymlink(String(data.get('key')), String(data.get('target')));
  document.querySelector('output')!.textContent = result.res.headers.etag ?? '';
});
