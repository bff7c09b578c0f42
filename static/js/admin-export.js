// The export page's "select all" box, wired here: the CSP blocks the package's inline onchange=.
// onSelectToggleChange comes from import_export/export_selectable_fields.js (the form's media).
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("input.select-toggle").forEach((toggle) => {
    toggle.addEventListener("change", onSelectToggleChange);
  });
});
