// Checks a Hexo site built from a Chronicle export of hostilesite:
// node check-hexo.js EXPECTED.json PUBLIC_DIR
// Every expected article must have exactly one post page holding its title,
// its body text, its date and its images (files present in PUBLIC_DIR).
'use strict';
const fs = require('fs');
const path = require('path');

const [expectedFile, pub] = process.argv.slice(2);
const expected = JSON.parse(fs.readFileSync(expectedFile, 'utf8'));
const failures = [];
const fail = (msg) => failures.push(msg);

function decode(s) {
  return s
    .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#([0-9]+);/g, (_, d) => String.fromCodePoint(parseInt(d, 10)))
    .replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&nbsp;/g, '\u00a0').replace(/&amp;/g, '&');
}
const text = (html) => decode(html.replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ').trim();

function pages(dir) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...pages(p));
    else if (e.name === 'index.html') out.push(p);
  }
  return out;
}

const posts = [];
for (const file of pages(pub)) {
  const html = fs.readFileSync(file, 'utf8');
  const m = /<article class="post">([\s\S]*?)<div class="post-end"><\/div>/.exec(html);
  if (!m) continue;
  const a = m[1];
  const pick = (re) => { const r = re.exec(a); return r ? r[1] : null; };
  posts.push({
    file,
    title: decode(pick(/<h1 class="post-title">([\s\S]*?)<\/h1>/) || ''),
    date: pick(/<time class="post-date" datetime="([^"]*)"/),
    categories: [...a.matchAll(/<li class="post-category">([\s\S]*?)<\/li>/g)].map((x) => decode(x[1])),
    bodyHTML: pick(/<div class="post-body">([\s\S]*)$/) || '',
  });
}

let images = 0;
for (const exp of expected) {
  const found = posts.filter((p) => p.title === exp.title);
  if (found.length !== 1) {
    fail(`${JSON.stringify(exp.title)}: ${found.length} post pages with this exact title`);
    continue;
  }
  const p = found[0];
  const where = `${JSON.stringify(exp.title)} (${path.relative(pub, p.file)})`;
  const want = new Date(exp.date).toISOString();
  if (p.date !== want) fail(`${where}: date ${p.date}, want ${want}`);
  const body = text(p.bodyHTML);
  for (const t of exp.texts) {
    if (!body.includes(t)) fail(`${where}: body lacks ${JSON.stringify(t)}; body: ${JSON.stringify(body.slice(0, 300))}`);
  }
  if (/<pre|<code/i.test(p.bodyHTML)) fail(`${where}: body holds a code block (indented HTML became code)`);
  if (/\{%|%\}|\{\{|\}\}/.test(p.bodyHTML.replace(/Unbalanced \{% if and \{\{ braces \}\} stay text\./g, ''))) {
    fail(`${where}: template syntax left in the HTML`);
  }
  for (const c of exp.categories) {
    if (!p.categories.includes(c)) fail(`${where}: category ${JSON.stringify(c)} missing (have ${JSON.stringify(p.categories)})`);
  }
  const srcs = [...p.bodyHTML.matchAll(/<img\b[^>]*\ssrc="([^"]*)"/g)].map((x) => decode(x[1]));
  if (srcs.length < exp.images) fail(`${where}: ${srcs.length} images, want ${exp.images}`);
  for (const s of srcs) {
    if (!s.startsWith('/')) {
      fail(`${where}: image ${s} is not a local site path`);
      continue;
    }
    const f = path.join(pub, decodeURIComponent(s.split('?')[0]));
    if (!fs.existsSync(f) || fs.statSync(f).size === 0) fail(`${where}: image ${s} not in the built site`);
    else images++;
  }
}
if (posts.length !== expected.length) fail(`${posts.length} post pages built, want ${expected.length}`);

if (failures.length) {
  for (const f of failures) console.error('FAIL hexo: ' + f);
  process.exit(1);
}
console.log(`hexo: ${posts.length} posts built, titles, bodies, dates, categories and ${images} images checked`);
