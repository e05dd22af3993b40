//! Escaping, the page frame and the two static files the page uses. Nothing is loaded from elsewhere:
//! the fonts are the reader's own (a system CJK font), the script is one small file of our own.

use std::fmt::Write as _;

use comply_engine::explain::Lang;

/// Text made safe for HTML element content and quoted attribute values.
pub use comply_engine::explain::html::escape as esc;

pub fn lang_code(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "zh",
        Lang::En => "en",
    }
}

/// The language switch: on a page reached by a link it is a link; inside the interview it is a button
/// of the page's form, so the answers travel with it.
pub enum Switch<'a> {
    Link(&'a str),
    FormButton(&'a str),
}

pub fn page(lang: Lang, title: &str, switch: Switch<'_>, body: &str) -> String {
    let (other, other_name) = match lang {
        Lang::Zh => ("en", "English"),
        Lang::En => ("zh", "中文"),
    };
    let switch = match switch {
        Switch::Link(path) => {
            let sep = if path.contains('?') { '&' } else { '?' };
            format!(r#"<a class="switch" href="{}{sep}lang={other}" lang="{other}">{other_name}</a>"#, esc(path))
        }
        Switch::FormButton(form) => format!(
            r#"<button class="switch" form="{}" type="submit" name="action" value="lang-{other}" lang="{other}" formnovalidate>{other_name}</button>"#,
            esc(form)
        ),
    };
    let home = match lang {
        Lang::Zh => "政策自查",
        Lang::En => "Policy self-assessment",
    };
    let mut out = String::new();
    let _ = write!(
        out,
        r##"<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="/static/app.css">
<script src="/static/app.js" defer></script>
</head>
<body>
<a class="skip" href="#main">{skip}</a>
<header class="bar"><a class="home" href="/{home_query}">{home}</a>{switch}</header>
<main id="main">
{body}
</main>
</body>
</html>
"##,
        lang = if lang == Lang::Zh { "zh-CN" } else { "en" },
        title = esc(title),
        skip = if lang == Lang::Zh { "跳到正文" } else { "Skip to content" },
        home_query = if lang == Lang::En { "?lang=en" } else { "" },
    );
    out
}

/// The page's styles; `app_css` serves them with the report's own (`explain::html::REPORT_CSS`).
pub const CSS: &str = r#"
:root { --ink: #1b1b1b; --muted: #4a4a4a; --line: #b1b4b6; --accent: #0b4f9c; --bad: #b00020; --good: #0b6e2f;
  --warn: #7a4b00; --paper: #ffffff; --tint: #f3f5f8; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--ink); background: var(--paper); line-height: 1.6; font-size: 17px;
  font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", system-ui, sans-serif; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 8px; top: 8px; background: #fff; padding: 4px 8px; z-index: 2; }
.bar { display: flex; justify-content: space-between; align-items: center; gap: 12px; padding: 10px 16px;
  background: var(--accent); color: #fff; }
.bar a, .bar button { color: #fff; font: inherit; }
.bar .home { font-weight: 700; text-decoration: none; }
.switch { background: transparent; border: 1px solid #fff; border-radius: 4px; padding: 2px 10px; cursor: pointer;
  text-decoration: none; }
main { max-width: 46rem; margin: 0 auto; padding: 16px; }
h1 { font-size: 1.45rem; line-height: 1.35; margin: 8px 0 4px; }
h2 { font-size: 1.15rem; margin: 20px 0 8px; }
.source { color: var(--muted); font-size: .92rem; margin: 0 0 12px; }
a { color: var(--accent); }
a:focus, button:focus, input:focus, select:focus { outline: 3px solid #ffbf47; outline-offset: 1px; }
ul.policies { list-style: none; padding: 0; }
ul.policies li { border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; margin: 10px 0; }
ul.policies a { font-weight: 700; font-size: 1.05rem; }
.status { background: var(--tint); border-left: 5px solid var(--accent); padding: 10px 12px; margin: 12px 0; }
.status p { margin: 2px 0; }
.status summary { cursor: pointer; color: var(--accent); }
.status ul.open { margin: 4px 0; padding-left: 1.2em; columns: 2 14em; font-size: .95rem; }
.field { margin: 18px 0; padding-left: 0; }
.field.has-error { border-left: 5px solid var(--bad); padding-left: 12px; }
.field > label, .field legend { display: block; font-weight: 700; margin-bottom: 2px; }
fieldset { border: 0; padding: 0; margin: 0; min-width: 0; }
.hint { color: var(--muted); margin: 0 0 6px; font-size: .95rem; }
.error { color: var(--bad); font-weight: 700; margin: 0 0 6px; }
input[type=text] { width: 100%; max-width: 22rem; font: inherit; padding: 8px; border: 2px solid var(--ink);
  border-radius: 0; }
.choice { display: flex; align-items: flex-start; gap: 8px; margin: 6px 0; }
.choice input { width: 22px; height: 22px; margin: 3px 0 0; flex: none; }
.actions { display: flex; flex-wrap: wrap; gap: 12px; margin: 22px 0; }
button.primary, button.secondary, a.button { font: inherit; padding: 9px 16px; border-radius: 4px;
  cursor: pointer; text-decoration: none; display: inline-block; }
button.primary { background: var(--good); color: #fff; border: 2px solid var(--good); font-weight: 700; }
button.secondary, a.button { background: #fff; color: var(--accent); border: 2px solid var(--accent); }
dl.answers { display: grid; grid-template-columns: minmax(8em, max-content) 1fr; gap: 4px 12px; }
dl.answers dt { color: var(--muted); }
dl.answers dd { margin: 0; overflow-wrap: anywhere; }
.desk-nav { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 16px; margin: 4px 0 8px; }
.desk-nav .who { margin-left: auto; color: var(--muted); }
form.inline { display: inline; margin: 0; }
form.search { display: grid; grid-template-columns: repeat(auto-fit, minmax(13rem, 1fr)); gap: 0 16px; align-items: end; }
form.search .field { margin: 8px 0; }
form.search .actions { margin: 8px 0; }
select { font: inherit; padding: 7px; border: 2px solid var(--ink); background: #fff; }
table.cases { border-collapse: collapse; width: 100%; margin: 12px 0; font-size: .95rem; }
table.cases th, table.cases td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid var(--line); }
table.cases th { border-bottom: 2px solid var(--ink); white-space: nowrap; }
.hash, #record-hash { font-family: monospace; font-size: .8rem; overflow-wrap: anywhere; }
.chain-ok { overflow-wrap: anywhere; }
.chain-bad { border-left-color: var(--bad); }
body.desk main, main:has(.desk-nav) { max-width: 64rem; }
[hidden] { display: none !important; }
@media (max-width: 400px) { body { font-size: 16px; } main { padding: 12px; } dl.answers { grid-template-columns: 1fr; } }
@media print {
  .bar, .actions, .skip, .no-print, form { display: none !important; }
  body { font-size: 11pt; }
  main { max-width: none; padding: 0; }
  a { color: var(--ink); text-decoration: none; }
  @page { size: A4; margin: 18mm 16mm; }
}
"#;

/// The print button needs script; without it the page says to use the browser's print command.
pub const JS: &str = r#"document.addEventListener('DOMContentLoaded', function () {
  var button = document.getElementById('print');
  if (button) {
    button.hidden = false;
    button.addEventListener('click', function () { window.print(); });
    var note = document.getElementById('print-note');
    if (note) note.hidden = true;
  }
  var error = document.querySelector('.has-error input');
  if (error) error.focus();
});
"#;

/// The stylesheet a page links: the page's styles, then the report's.
pub fn app_css() -> &'static str {
    static APP_CSS: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| format!("{CSS}{}", comply_engine::explain::html::REPORT_CSS));
    &APP_CSS
}
