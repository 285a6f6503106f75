package web

import "html/template"

// style is inlined in the page; the CSP allows it by its hash.
const style = `
:root{color-scheme:light dark;--fg:#1a202c;--bg:#f7f8fa;--card:#fff;--muted:#4a5568;--accent:#b5470b;--line:#d5dae1}
@media (prefers-color-scheme:dark){:root{--fg:#e8ebf0;--bg:#14171c;--card:#1d2128;--muted:#b4bcc8;--accent:#f59e5b;--line:#343a45}}
*{box-sizing:border-box}
body{margin:0;font:1.05rem/1.6 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:44rem;margin:0 auto;padding:2rem 1.25rem 3rem}
h1{font-size:2.2rem;line-height:1.2;margin:0 0 .5rem}
h2{font-size:1.3rem;margin:2rem 0 .75rem}
figure{margin:1.5rem 0;padding:.75rem;background:#fff;border:1px solid var(--line);border-radius:.5rem}
figure img{display:block;width:100%;height:auto}
figcaption{color:#4a5568;font-size:.9rem;margin-top:.5rem}
form{display:flex;flex-wrap:wrap;gap:.75rem;align-items:flex-end;background:var(--card);border:1px solid var(--line);border-radius:.5rem;padding:1rem}
label{display:flex;flex-direction:column;font-weight:600;gap:.25rem}
input,button{font:inherit;padding:.45rem .7rem;border-radius:.35rem;border:1px solid var(--line);background:var(--bg);color:var(--fg)}
button{background:var(--accent);border-color:var(--accent);color:#fff;font-weight:600;cursor:pointer}
@media (prefers-color-scheme:dark){button{color:#14171c}}
input:focus-visible,button:focus-visible,a:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
output{display:block;min-height:1.6em;margin-top:1rem;font-size:1.2rem}
.problem{color:var(--accent)}
small,.small{color:var(--muted);font-size:.9rem}
a{color:var(--accent)}
footer{margin-top:2.5rem;border-top:1px solid var(--line);padding-top:1rem}
footer form{display:inline-flex;margin:0 0 0 .5rem;padding:0;border:0;background:none}
footer button{padding:.2rem .6rem;font-size:.9rem}
`

var templates = template.Must(template.New("web").Parse(`
{{- define "answer" -}}
{{- if .Problem}}<span class="problem">{{.Problem}}</span>
{{- else if .Answered}}You're <strong>{{.Days}}</strong> days young!{{end -}}
{{- end -}}

{{- define "page" -}}
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{if .NotFound}}Page not found · {{end}}Hello World! · Go on AWS Lambda</title>
<meta name="description" content="A Go net/http app running on a serverless backend: AWS Lambda behind API Gateway.">
<link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Crect width='16' height='16' rx='3' fill='%23b5470b'/%3E%3Cpath d='M4 11V5h2l2 3 2-3h2v6h-2V8l-2 3-2-3v3z' fill='white'/%3E%3C/svg%3E">
<style>{{.Style}}</style>
</head>
<body>
<main>
{{- if .NotFound}}
<h1>Page not found</h1>
<p>There is nothing at this address. <a href="{{.Prefix}}/">Go to the home page</a>.</p>
{{- else}}
<h1>Hello World!</h1>
<p>This is a Go app running on a serverless backend.</p>
<figure>
<img src="{{.Prefix}}/assets/{{.Picture}}" width="{{.PicW}}" height="{{.PicH}}" alt="Architecture: the browser reaches an API Gateway REST API directly at its stage URL, through an optional custom domain, or through optional CloudFront; API Gateway invokes a Go Lambda function on provided.al2023.">
<figcaption>How a request reaches this page.</figcaption>
</figure>
<h2 id="days-heading">How many days are you old?</h2>
<form id="days-form" method="get" action="{{.Prefix}}/" data-fragment="{{.Prefix}}/days" aria-labelledby="days-heading">
<label for="birthdate">Your birth date
<input type="date" id="birthdate" name="date" value="{{.Date}}" min="1900-01-01" max="{{.Today}}" required>
</label>
<button type="submit">Count the days</button>
</form>
<output id="birthdate-output" for="birthdate" aria-live="polite">{{template "answer" .}}</output>
<p class="small">Days are counted on the server from your birth date to today's date in UTC ({{.Today}}).</p>
<h2 id="limits-heading">Past the limits of a buffered API</h2>
{{- if .Stream}}
<ul>
<li><a id="download-link" href="{{.Prefix}}/download.csv" download>Download every hour since 1900 as CSV</a> <small>(about 45 MB, more than Lambda's 6 MB)</small></li>
<li><a id="progress-link" href="{{.Prefix}}/progress?seconds={{.Seconds}}" data-events="{{.Prefix}}/progress/events?seconds={{.Seconds}}">Run a {{.Seconds}}-second computation</a> <small>(API Gateway stops a buffered answer at 29 s)</small></li>
</ul>
<div id="progress-live" hidden><progress id="progress-bar" max="{{.Seconds}}" value="0"></progress> <span id="progress-text" aria-live="polite"></span></div>
{{- else}}
<p class="small">This deployment buffers its answers, so a download is capped at Lambda's 6 MB and an answer at API Gateway's 29 s. Turn on response streaming to pass both.</p>
{{- end}}
{{- end}}
<footer><small>Served by an ordinary Go <code>net/http</code> handler on AWS Lambda behind API Gateway.{{if .User}} Signed in as <span id="user">{{.User}}</span>.{{end}}</small>{{.SignOut}}</footer>
</main>
{{- if not .NotFound}}
<script src="{{.Prefix}}/assets/{{.Script}}" defer></script>
{{- end}}
</body>
</html>
{{end -}}

{{- define "progress-head" -}}
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>A {{.Seconds}}-second computation · Go on AWS Lambda</title>
<style>{{.Style}}</style>
</head>
<body>
<main>
<h1>A {{.Seconds}}-second computation</h1>
{{- if .Asked}}
<p id="clamped">You asked for {{.Asked}} seconds, but this request must end within {{.Within}} seconds, so the computation runs for {{.Seconds}}.</p>
{{- end}}
<p>Counting primes, one step a second. Each line arrives as soon as its step is done: the function streams this page.</p>
<ol id="steps">
{{end -}}

{{- define "progress-tail" -}}
</ol>
<p id="done"><strong>Done</strong> in {{.Took}}. <a href="{{.Prefix}}/">Back to the home page</a>.</p>
</main>
</body>
</html>
{{end -}}
`))
