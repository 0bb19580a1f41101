// A page that creates one symlink with oss-symlink (browser entry), credentials from an STS
// endpoint: the size benchmark bundles it (esbuild, minified) and adds the .wasm it fetches.
import { OssClient } from '../../ts/browser.js';

const client = new OssClient({
  region: 'cn-hangzhou',
  bucket: 'examplebucket',
  credentials: async () => (await fetch('/sts', { method: 'POST' })).json(),
});

const form = document.querySelector('form')!;
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const result = await client.putSymlink(String(data.get('key')), String(data.get('target')));
  document.querySelector('output')!.textContent = result.etag;
});
