//! The kubelet's SPDY/3.1 port-forward, as kubectl speaks it (`POST /portForward/{ns}/{pod}`
//! upgraded to `SPDY/3.1`, protocol `portforward.k8s.io`), for the real tier's kubelet
//! stand-in; the sandbox's stand-in speaks the websocket protocol kube-rs uses.
//!
//! Per forwarded connection kubectl opens two streams with headers `streamtype` (`error`
//! or `data`), `port` and `requestid`; the data stream is relayed to the pod port's target,
//! and a failure is written on the error stream. SPDY compresses header blocks with one
//! zlib stream per direction and a preset dictionary, which is a protocol constant: it is
//! read from the kubectl binary at run time (found by its first bytes, checked against
//! the dictionary id of kubectl's zlib stream). Outgoing header blocks use stored
//! (uncompressed) deflate blocks, which need no dictionary. No flow control: kubectl's
//! spdystream does not enforce windows.

use std::collections::HashMap;
use std::sync::OnceLock;

use jobtrace::sandbox::portforward::{refused_message, PortTargets};
use miniz_oxide::inflate::core::{decompress, inflate_flags, DecompressorOxide};
use miniz_oxide::inflate::TINFLStatus;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

const CONTROL_SYN_STREAM: u16 = 1;
const CONTROL_SYN_REPLY: u16 = 2;
const CONTROL_RST_STREAM: u16 = 3;
const CONTROL_PING: u16 = 6;
const CONTROL_GOAWAY: u16 = 7;
const CONTROL_HEADERS: u16 = 8;
const FLAG_FIN: u8 = 1;

/// The `101 Switching Protocols` answer to kubectl's SPDY upgrade.
pub const UPGRADE_RESPONSE: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\n\r\n";

/// Whether a request head (method, path, lower-cased headers) is kubectl's SPDY port-forward.
pub fn is_spdy_portforward(method: &str, path: &str, headers: &[(String, String)]) -> bool {
    method == "POST"
        && path.starts_with("/portForward/")
        && headers.iter().any(|(k, v)| k == "upgrade" && v.to_ascii_lowercase().contains("spdy/3.1"))
}

/// The SPDY/3 header dictionary, found in the kubectl binary, whose adler32 is `id`.
fn dictionary(id: u32) -> Result<&'static [u8], String> {
    static DICT: OnceLock<Result<Vec<u8>, String>> = OnceLock::new();
    let found = DICT.get_or_init(|| {
        let bin = std::fs::read(super::tier::KUBECTL).map_err(|e| format!("read kubectl: {e}"))?;
        let start_marker = b"\x00\x00\x00\x07options\x00\x00\x00\x04head\x00\x00\x00\x04post";
        let mut from = 0;
        while let Some(i) = find(&bin[from..], start_marker).map(|i| i + from) {
            for len in 1000..2000.min(bin.len() - i) {
                if adler32(&bin[i..i + len]) == id {
                    return Ok(bin[i..i + len].to_vec());
                }
            }
            from = i + 1;
        }
        Err(format!("no SPDY dictionary with adler32 {id:#x} in {}", super::tier::KUBECTL))
    });
    found.as_deref().map_err(Clone::clone)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let first = needle[0];
    let mut i = 0;
    while i + needle.len() <= hay.len() {
        match hay[i..hay.len() - needle.len() + 1].iter().position(|&b| b == first) {
            Some(p) => i += p,
            None => return None,
        }
        if &hay[i..i + needle.len()] == needle {
            return Some(i);
        }
        i += 1;
    }
    None
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

/// The incoming header-block zlib stream (preset dictionary, one stream per connection).
struct Inflater {
    state: DecompressorOxide,
    out: Vec<u8>,
    pos: usize,
    started: bool,
}

impl Inflater {
    fn new() -> Self {
        Inflater { state: DecompressorOxide::new(), out: Vec::new(), pos: 0, started: false }
    }

    /// Decompresses one header block (a sync-flushed piece of the stream).
    fn block(&mut self, mut input: &[u8]) -> Result<Vec<u8>, String> {
        if !self.started {
            if input.len() < 2 || (u16::from(input[0]) << 8 | u16::from(input[1])) % 31 != 0 {
                return Err("bad zlib header in a SPDY header block".into());
            }
            let has_dict = input[1] & 0x20 != 0;
            input = &input[2..];
            self.out = vec![0; 1 << 20];
            if has_dict {
                let id = u32::from_be_bytes(input[..4].try_into().map_err(|_| "short zlib header")?);
                let dict = dictionary(id)?;
                self.out[..dict.len()].copy_from_slice(dict);
                self.pos = dict.len();
                input = &input[4..];
            }
            self.started = true;
        }
        let start = self.pos;
        let flags = inflate_flags::TINFL_FLAG_HAS_MORE_INPUT | inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
        while !input.is_empty() {
            let (status, consumed, written) = decompress(&mut self.state, input, &mut self.out, self.pos, flags);
            self.pos += written;
            input = &input[consumed..];
            match status {
                TINFLStatus::NeedsMoreInput | TINFLStatus::Done | TINFLStatus::HasMoreOutput
                    if consumed + written > 0 => {}
                TINFLStatus::NeedsMoreInput => break,
                other => return Err(format!("inflating a SPDY header block: {other:?}")),
            }
        }
        Ok(self.out[start..self.pos].to_vec())
    }
}

fn parse_headers(block: &[u8]) -> Result<HashMap<String, String>, String> {
    let mut rest = block;
    let mut take = |n: usize| -> Result<&[u8], String> {
        if rest.len() < n {
            return Err("truncated SPDY header block".into());
        }
        let (a, b) = rest.split_at(n);
        rest = b;
        Ok(a)
    };
    let count = u32::from_be_bytes(take(4)?.try_into().unwrap());
    let mut headers = HashMap::new();
    for _ in 0..count {
        let n = u32::from_be_bytes(take(4)?.try_into().unwrap()) as usize;
        let name = String::from_utf8_lossy(take(n)?).to_ascii_lowercase();
        let n = u32::from_be_bytes(take(4)?.try_into().unwrap()) as usize;
        let value = String::from_utf8_lossy(take(n)?).into_owned();
        headers.insert(name, value);
    }
    Ok(headers)
}

enum Out {
    SynReply(u32),
    Data(u32, Vec<u8>, bool),
    Ping(u32),
}

fn control(kind: u16, flags: u8, body: &[u8]) -> Vec<u8> {
    let mut f = vec![0x80, 3];
    f.extend_from_slice(&kind.to_be_bytes());
    f.push(flags);
    f.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    f.extend_from_slice(body);
    f
}

fn data_frame(stream: u32, data: &[u8], fin: bool) -> Vec<u8> {
    let mut f = (stream & 0x7fff_ffff).to_be_bytes().to_vec();
    f.push(if fin { FLAG_FIN } else { 0 });
    f.extend_from_slice(&(data.len() as u32).to_be_bytes()[1..]);
    f.extend_from_slice(data);
    f
}

/// Writes frames in order; header blocks continue one zlib stream of stored blocks.
async fn writer<W: AsyncWrite + Unpin>(mut w: W, mut rx: mpsc::UnboundedReceiver<Out>) {
    let mut zlib_started = false;
    while let Some(out) = rx.recv().await {
        let frame = match out {
            Out::SynReply(stream) => {
                let mut body = stream.to_be_bytes().to_vec();
                if !zlib_started {
                    body.extend_from_slice(&[0x78, 0x01]);
                    zlib_started = true;
                }
                // A stored block holding "0 headers", then an empty stored block: the sync
                // flush marker that makes Go's inflater hand out what it has.
                body.extend_from_slice(&[0x00, 0x04, 0x00, 0xfb, 0xff, 0, 0, 0, 0]);
                body.extend_from_slice(&[0x00, 0x00, 0x00, 0xff, 0xff]);
                control(CONTROL_SYN_REPLY, 0, &body)
            }
            Out::Data(stream, data, fin) => data_frame(stream, &data, fin),
            Out::Ping(id) => control(CONTROL_PING, 0, &id.to_be_bytes()),
        };
        if w.write_all(&frame).await.is_err() || w.flush().await.is_err() {
            return;
        }
    }
}

#[derive(Default)]
struct Pair {
    error: Option<u32>,
    data: Option<u32>,
    port: u16,
}

/// Serves one upgraded SPDY connection for pod `pod` (`namespace/name`) until it closes.
pub async fn serve<S: AsyncRead + AsyncWrite + Send + 'static>(io: S, pod: String, targets: PortTargets) {
    let (mut r, w) = tokio::io::split(io);
    let (tx, rx) = mpsc::unbounded_channel();
    let writer = tokio::spawn(writer(w, rx));
    let mut inflater = Inflater::new();
    let mut pairs: HashMap<String, Pair> = HashMap::new();
    // Client data for a data stream goes to its relay task.
    let mut uplinks: HashMap<u32, mpsc::UnboundedSender<Option<Vec<u8>>>> = HashMap::new();
    let mut tasks = tokio::task::JoinSet::new();
    loop {
        let mut head = [0u8; 8];
        if r.read_exact(&mut head).await.is_err() {
            break;
        }
        let flags = head[4];
        let len = u32::from_be_bytes([0, head[5], head[6], head[7]]) as usize;
        let mut body = vec![0; len];
        if r.read_exact(&mut body).await.is_err() {
            break;
        }
        if head[0] & 0x80 == 0 {
            let stream = u32::from_be_bytes(head[..4].try_into().unwrap()) & 0x7fff_ffff;
            if let Some(up) = uplinks.get(&stream) {
                if !body.is_empty() {
                    let _ = up.send(Some(body));
                }
                if flags & FLAG_FIN != 0 {
                    let _ = up.send(None);
                }
            }
            continue;
        }
        let kind = u16::from_be_bytes([head[2], head[3]]);
        match kind {
            CONTROL_SYN_STREAM if body.len() >= 10 => {
                let stream = u32::from_be_bytes(body[..4].try_into().unwrap()) & 0x7fff_ffff;
                let headers = match inflater.block(&body[10..]).and_then(|b| parse_headers(&b)) {
                    Ok(h) => h,
                    Err(e) => {
                        tracing::warn!("SPDY port-forward: {e}");
                        break;
                    }
                };
                let _ = tx.send(Out::SynReply(stream));
                let request = headers.get("requestid").cloned().unwrap_or_default();
                let pair = pairs.entry(request.clone()).or_default();
                pair.port = headers.get("port").and_then(|p| p.parse().ok()).unwrap_or(0);
                match headers.get("streamtype").map(String::as_str) {
                    Some("error") => pair.error = Some(stream),
                    Some("data") => pair.data = Some(stream),
                    _ => {}
                }
                if let (Some(error), Some(data)) = (pair.error, pair.data) {
                    let port = pair.port;
                    pairs.remove(&request);
                    let (up_tx, up_rx) = mpsc::unbounded_channel();
                    uplinks.insert(data, up_tx);
                    let target = targets.resolve(&pod, port);
                    tasks.spawn(relay(target, port, pod.clone(), error, data, up_rx, tx.clone()));
                }
            }
            // Keep the zlib stream in step; these headers mean nothing here.
            CONTROL_HEADERS | CONTROL_SYN_REPLY if body.len() >= 4 && inflater.block(&body[4..]).is_err() => break,
            CONTROL_PING if body.len() >= 4 => {
                let _ = tx.send(Out::Ping(u32::from_be_bytes(body[..4].try_into().unwrap())));
            }
            CONTROL_RST_STREAM if body.len() >= 4 => {
                let stream = u32::from_be_bytes(body[..4].try_into().unwrap()) & 0x7fff_ffff;
                uplinks.remove(&stream);
            }
            CONTROL_GOAWAY => break,
            _ => {}
        }
    }
    drop(uplinks);
    tasks.abort_all();
    drop(tx);
    writer.abort();
}

/// One forwarded connection: target <-> data stream; failures on the error stream.
async fn relay(
    target: jobtrace::sandbox::portforward::Target,
    port: u16,
    pod: String,
    error: u32,
    data: u32,
    mut up: mpsc::UnboundedReceiver<Option<Vec<u8>>>,
    tx: mpsc::UnboundedSender<Out>,
) {
    let conn = match target.connect().await {
        Ok(c) => c,
        Err(_) => {
            let _ = tx.send(Out::Data(error, refused_message(port, &pod).into_bytes(), true));
            let _ = tx.send(Out::Data(data, Vec::new(), true));
            return;
        }
    };
    let (mut down, mut upw) = tokio::io::split(conn);
    let uplink = async {
        while let Some(Some(bytes)) = up.recv().await {
            if upw.write_all(&bytes).await.is_err() {
                break;
            }
        }
        let _ = upw.shutdown().await;
    };
    let downlink = async {
        let mut buf = vec![0u8; 32 * 1024];
        loop {
            match down.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if tx.send(Out::Data(data, buf[..n].to_vec(), false)).is_err() {
                        return;
                    }
                }
            }
        }
        let _ = tx.send(Out::Data(data, Vec::new(), true));
        let _ = tx.send(Out::Data(error, Vec::new(), true));
    };
    tokio::join!(uplink, downlink);
}
