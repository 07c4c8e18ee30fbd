// bench-peers.js - the sharp side of scripts/bench-peers.sh: renders JPEG
// thumbnails of FILES with sharp the way a sharp user would write it.
//
//   node bench-peers.js MODE OUTDIR SIZE[,SIZE...] FILE...
//
// MODE is
//   pipelines  one pipeline per size from the source:
//              sharp(file).rotate().resize(s, s, {fit: 'inside'})
//              .jpeg({quality: 80}).toFile(...)
//   cascade    the largest size from the source, its raw pixels kept, and
//              each smaller size resized from the previous size's raw
//              pixels (one decode per file)
//
// libvips runs one thread per image (sharp.concurrency(1)); the number of
// files in flight is UV_THREADPOOL_SIZE (default 1), the size of the libuv
// pool sharp's work runs on. sharp's own operation cache is left at its
// default, as a sharp user leaves it.
'use strict';
const path = require('path');
const sharp = require('sharp');

const [mode, outDir, sizeList, ...files] = process.argv.slice(2);
if (!['pipelines', 'cascade'].includes(mode) || !outDir || !sizeList || files.length === 0) {
  console.error('usage: node bench-peers.js pipelines|cascade OUTDIR SIZE[,SIZE...] FILE...');
  process.exit(2);
}
const sizes = sizeList.split(',').map(Number).sort((a, b) => b - a);
const inFlight = Number(process.env.UV_THREADPOOL_SIZE || 1);
sharp.concurrency(1);

const out = (file, s) => path.join(outDir, `${path.basename(file, path.extname(file))}-${s}.jpg`);

async function pipelines(file) {
  for (const s of sizes) {
    await sharp(file).rotate().resize(s, s, { fit: 'inside' }).jpeg({ quality: 80 }).toFile(out(file, s));
  }
}

async function cascade(file) {
  let { data, info } = await sharp(file).rotate().resize(sizes[0], sizes[0], { fit: 'inside' })
    .raw().toBuffer({ resolveWithObject: true });
  for (let i = 0; i < sizes.length; i++) {
    const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };
    await sharp(data, raw).jpeg({ quality: 80 }).toFile(out(file, sizes[i]));
    if (i + 1 < sizes.length) {
      ({ data, info } = await sharp(data, raw).resize(sizes[i + 1], sizes[i + 1], { fit: 'inside' })
        .raw().toBuffer({ resolveWithObject: true }));
    }
  }
}

async function main() {
  const render = mode === 'pipelines' ? pipelines : cascade;
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      await render(files[next++]);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

main().catch((err) => {
  console.error('bench-peers.js:', err.message);
  process.exit(1);
});
