// The playground's live view while a network plays: status line, picture and inspected neuron, fed by
// the WebSocket of nnviz/live.py. One frame is asked for at a time (when the previous one arrived, so
// the server makes it while the browser draws that one) and at most one every `interval_ms`: frames
// never queue up ahead of what the page shows.
export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const root = parentElement.querySelector(".nnviz-live");
  if (root.nnvizToken === data.token) return root.nnvizClose; // a rerun while playing: keep streaming
  if (root.nnvizClose) root.nnvizClose();
  const status = root.querySelector(".nnviz-status");
  const picture = root.querySelector(".nnviz-picture");
  const detail = root.querySelector(".nnviz-detail");
  const show = (frame) => {
    if (frame.status === undefined) return;
    status.innerHTML = frame.status;
    picture.innerHTML = frame.svg;
    detail.innerHTML = frame.detail;
  };
  show(data.frame);

  const url = new URL(data.path + "/" + data.token, window.location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(url);
  let last = 0;
  let timer = null;
  let closing = false;
  const ask = () => {
    const wait = Math.max(0, last + data.interval_ms - performance.now());
    timer = setTimeout(() => {
      if (ws.readyState !== WebSocket.OPEN) return;
      last = performance.now();
      ws.send("next");
    }, wait);
  };
  ws.onopen = ask;
  ws.onmessage = (event) => {
    const frame = JSON.parse(event.data);
    if (!frame.stopped) ask(); // the server makes the next frame while this one is drawn
    show(frame);
    if (frame.stopped) {
      closing = true;
      setTriggerValue("stopped", Date.now()); // rerun the page: buttons, messages, the still picture
    }
  };
  ws.onclose = () => {
    if (closing) return;
    status.insertAdjacentHTML("beforeend", " · <i>live view disconnected: press Pause, then Play</i>");
  };
  const close = () => {
    closing = true;
    clearTimeout(timer);
    ws.close();
    root.nnvizToken = null;
    root.nnvizClose = null;
  };
  root.nnvizToken = data.token;
  root.nnvizClose = close;
  return close;
}
