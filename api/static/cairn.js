// Progressive enhancement only: every page works without this script.
// Copy buttons: <button data-copy="#id"> copies the text of the element #id.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.querySelector(button.dataset.copy);
  if (!source || !navigator.clipboard) return;
  const text = "value" in source ? source.value : source.textContent;
  navigator.clipboard.writeText(text.trim()).then(() => {
    const label = button.textContent;
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = label; }, 1500);
  });
});

// The verifier (/verify): a chosen file goes into the credential box. Text
// files as they are; a PNG badge as a data URL, which the server unbakes.
(() => {
  const input = document.getElementById("credential-file");
  const box = document.getElementById("credential");
  if (!input || !box) return;
  input.addEventListener("change", () => {
    const file = input.files && input.files[0];
    if (!file) return;
    const reader = new FileReader();
    reader.addEventListener("load", () => { box.value = reader.result; });
    if (file.type === "image/png" || file.name.toLowerCase().endsWith(".png")) {
      reader.readAsDataURL(file);
    } else {
      reader.readAsText(file);
    }
  });
})();
