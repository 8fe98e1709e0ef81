import chromium from '@sparticuz/chromium';
import puppeteer from 'puppeteer-core';
const [file, y, h = '1300', out] = process.argv.slice(2);
const b = await puppeteer.launch({ executablePath: await chromium.executablePath(), args: ['--no-sandbox', '--allow-file-access-from-files'] });
const p = await b.newPage();
await p.setViewport({ width: 1280, height: 800 });
await p.goto('file:///tmp/'); await p.setContent('<body style="margin:0"><img style="display:block" src="file://' + file + '"></body>'); await p.waitForFunction(() => document.images[0].complete);
await p.screenshot({ path: out, clip: { x: 0, y: Number(y), width: 1280, height: Number(h) } });
await b.close();
