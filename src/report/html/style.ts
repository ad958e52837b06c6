/** The report's only stylesheet, inlined: system fonts, no web fonts, no external anything. */
export const REPORT_CSS = `
:root { --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --accent: #0969da; --warn: #9a6700; --warn-bg: #fff8c5; --bad: #cf222e; --ok: #1a7f37; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.5 "DejaVu Sans", Verdana, system-ui, sans-serif; color: var(--ink); background: #f6f8fa; }
header { background: #24292f; color: #fff; padding: 20px 32px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 0; color: #d0d7de; }
nav { padding: 8px 32px; background: #fff; border-bottom: 1px solid var(--line); font-size: 13px; position: sticky; top: 0; }
nav a { color: var(--accent); margin-right: 14px; text-decoration: none; }
main { max-width: 1180px; margin: 0 auto; padding: 16px 32px 48px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 16px 20px; margin: 16px 0; }
h2 { font-size: 18px; margin: 0 0 10px; border-bottom: 1px solid var(--line); padding-bottom: 6px; }
h3 { font-size: 15px; margin: 16px 0 6px; }
table { border-collapse: collapse; margin: 6px 0 10px; font-size: 13px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.muted { color: var(--muted); font-size: 12px; }
.note { color: var(--muted); font-size: 12px; margin: 4px 0; }
.warn { background: var(--warn-bg); color: var(--warn); }
.status-reported { color: var(--ok); font-weight: bold; }
.status-partly { color: var(--warn); font-weight: bold; }
.status-not { color: var(--bad); font-weight: bold; }
.plots { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
.plots figure { margin: 0; }
.plots svg { max-width: 100%; height: auto; }
figcaption { font-size: 12px; color: var(--muted); max-width: 460px; }
.gallery { display: flex; flex-wrap: wrap; gap: 12px; }
.gallery figure { margin: 0; width: 220px; }
.gallery img { width: 220px; image-rendering: pixelated; border: 1px solid var(--line); }
pre { background: #f6f8fa; border: 1px solid var(--line); padding: 8px; overflow-x: auto; font-size: 12px; }
.kv td:first-child { color: var(--muted); white-space: nowrap; }
`;
