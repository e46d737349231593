// The "Copy link" button: puts data.text (the experiment's link, made by nnviz/playground/links.py) on the
// clipboard. The Clipboard API works on https and localhost pages; elsewhere (a class server reached over
// plain http) the browser refuses it, so the text is copied from a hidden, selected text area instead, and
// if that fails too the button says to copy the link shown below it by hand.

async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch (error) {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    let done = false;
    try {
      done = document.execCommand("copy");
    } catch (ignored) {
      done = false;
    }
    area.remove();
    return done;
  }
}

export default function (component) {
  const { data, parentElement } = component;
  const button = parentElement.querySelector(".nnviz-copy");
  const said = parentElement.querySelector(".nnviz-copied");
  button.textContent = data.label;
  said.textContent = "";
  button.onclick = async () => {
    const done = await copy(data.text);
    said.textContent = done ? "Copied to the clipboard" : "The browser refused: copy the link below by hand";
    said.dataset.copied = done ? "yes" : "no";
  };
}
