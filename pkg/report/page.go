package report

// styleSheet is the page's only style, inline; the Content-Security-Policy
// names it by its hash.
const styleSheet = `
:root { color-scheme: light dark; --fg: #1d1d1f; --muted: #6e6e73; --bg: #f5f5f7; --card: #fff; --line: #d2d2d7; --bad: #b3261e; --badbg: #fdecea; --ok: #1b7f3b; }
@media (prefers-color-scheme: dark) { :root { --fg: #f5f5f7; --muted: #a1a1a6; --bg: #1c1c1e; --card: #2c2c2e; --line: #3a3a3c; --bad: #ff8a80; --badbg: #3b1f1d; --ok: #7ddc8e; } }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header h1 { margin: 0 0 4px; font-size: 22px; }
header p { margin: 0 0 20px; color: var(--muted); }
.bad { color: var(--bad); }
.good { color: var(--ok); }
section.source { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); align-items: start; gap: 12px; margin: 0 0 20px; padding: 0 0 20px; border-bottom: 1px solid var(--line); }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px; min-width: 0; }
.card.src { border-width: 2px; }
.card.failed { border-color: var(--bad); background: var(--badbg); }
.thumb { display: flex; align-items: center; justify-content: center; height: 160px; margin: 0 0 8px; border-radius: 4px;
  background-color: #e8e8ed; background-image: linear-gradient(45deg, #d8d8dd 25%, transparent 25%, transparent 75%, #d8d8dd 75%), linear-gradient(45deg, #d8d8dd 25%, transparent 25%, transparent 75%, #d8d8dd 75%);
  background-size: 16px 16px; background-position: 0 0, 8px 8px; overflow: hidden; }
.thumb img { max-width: 100%; max-height: 100%; }
.thumb .none { color: var(--muted); padding: 8px; text-align: center; font-size: 12px; }
h2, h3 { margin: 0 0 4px; font-size: 14px; overflow-wrap: anywhere; }
h2 { font-size: 15px; }
.kind { color: var(--muted); font-size: 11px; text-transform: uppercase; letter-spacing: .05em; }
dl { display: grid; grid-template-columns: auto 1fr; gap: 0 8px; margin: 0; font-size: 12px; }
dt { color: var(--muted); }
dd { margin: 0; overflow-wrap: anywhere; }
.timings { margin: 6px 0 0; font-size: 12px; color: var(--muted); font-variant-numeric: tabular-nums; }
.step { white-space: nowrap; }
.reason { margin: 0 0 4px; font-weight: 600; color: var(--bad); }
.message { margin: 0; font-size: 12px; overflow-wrap: anywhere; }
pre { margin: 0 0 8px; max-height: 180px; overflow: auto; padding: 6px; font-size: 11px; white-space: pre-wrap; overflow-wrap: anywhere; background: var(--bg); border-radius: 4px; }
a { color: inherit; }
`

// pageHTML is the page's template.
const pageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{.CSP}}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>{{css}}</style>
</head>
<body>
<header>
<h1>{{.Title}}</h1>
<p id="summary">{{len .Sources}} {{plural (len .Sources) "source" "sources"}}, {{.Created}} {{plural .Created "rendition" "renditions"}} created, <span class="{{if .Failed}}bad{{else}}good{{end}}">{{.Failed}} failed</span>; made {{.Generated}}</p>
</header>
<main>
{{- range .Sources}}
<section class="source" id="source-{{.Index}}" data-source="{{.Name}}">
<div class="card src">
<div class="thumb">{{with .Preview}}{{if .Src}}<img class="preview" src="{{.Src}}" alt="{{$.Title}}: source">{{else}}<span class="none">{{.Missing}}</span>{{end}}{{end}}</div>
<span class="kind">source</span>
<h2 title="{{.Name}}">{{.Name}}</h2>
{{- if .Bytes}}<dl><dt>size</dt><dd title="{{.Bytes}} bytes">{{bytes .Bytes}}</dd></dl>{{end}}
</div>
{{- range .Renditions}}
<div class="card rendition{{if not .Created}} failed{{end}}" data-rendition="{{.Name}}" data-status="{{if .Created}}created{{else}}failed{{end}}">
{{- if .Created}}
{{- if .Preview}}
<div class="thumb">{{with .Preview}}{{if .Src}}<img class="preview" src="{{.Src}}" alt="rendition preview">{{else}}<span class="none">{{.Missing}}</span>{{end}}{{end}}</div>
{{- else if .Excerpt}}
<pre class="excerpt">{{.Excerpt}}</pre>
{{- end}}
{{- end}}
<h3 title="{{.Name}}">{{if .Link}}<a href="{{.Link}}">{{.Name}}</a>{{else}}{{.Name}}{{end}}</h3>
{{- if .Created}}
<dl>
{{- if .Format}}<dt>format</dt><dd>{{.Format}}</dd>{{end}}
<dt>size</dt><dd class="bytes" title="{{.Bytes}} bytes">{{bytes .Bytes}}</dd>
{{- if .Width}}<dt>pixels</dt><dd class="dimensions">{{.Width}} × {{.Height}}</dd>{{end}}
{{- if .ExcerptNote}}<dt>content</dt><dd>{{.ExcerptNote}}</dd>{{end}}
</dl>
{{- else}}
<p class="reason">{{.Reason}}</p>
<p class="message">{{.Message}}</p>
{{- end}}
{{- if .Timings}}
<p class="timings" title="milliseconds per step">{{range $i, $s := .Timings}}{{if $i}} · {{end}}<span class="step">{{$s.Name}} {{ms $s.MS}}</span>{{end}} ms</p>
{{- end}}
</div>
{{- end}}
</section>
{{- end}}
</main>
</body>
</html>
`
