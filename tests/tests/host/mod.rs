//! A minimal CLAP host on clack-host, shared by the tests that load the
//! built plug-in.
#![allow(dead_code)]

use clack_extensions::log::{HostLog, HostLogImpl, LogSeverity};
use clack_extensions::params::{
    HostParams, HostParamsImplMainThread, HostParamsImplShared, ParamClearFlags, ParamInfoBuffer,
    ParamInfoFlags, ParamRescanFlags, PluginParams,
};
use clack_extensions::state::{HostState, HostStateImpl};
use clack_host::events::event_types::ParamValueEvent;
use clack_host::prelude::*;
use std::collections::BTreeMap;
use std::ffi::CStr;

/// The workspace's top directory.
pub fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Our plug-in's CLAP ID.
pub const PLUGIN_ID: &CStr = c"org.semantic-eq.semantic-eq";

// --- a minimal host ---------------------------------------------------------------

pub struct Host;
pub struct Shared;
pub struct Main;

impl SharedHandler<'_> for Shared {
    fn request_restart(&self) {}
    fn request_process(&self) {}
    fn request_callback(&self) {}
}

impl HostLogImpl for Shared {
    fn log(&self, severity: LogSeverity, message: &str) {
        eprintln!("plug-in log [{severity:?}]: {message}");
    }
}

impl HostParamsImplShared for Shared {
    fn request_flush(&self) {}
}

impl MainThreadHandler<'_> for Main {}

impl HostParamsImplMainThread for Main {
    fn rescan(&self, _flags: ParamRescanFlags) {}
    fn clear(&self, _param_id: ClapId, _flags: ParamClearFlags) {}
}

impl HostStateImpl for Main {
    fn mark_dirty(&self) {}
}

impl HostHandlers for Host {
    type Shared<'a> = Shared;
    type MainThread<'a> = Main;
    type AudioProcessor<'a> = ();

    fn declare_extensions(builder: &mut HostExtensions<Self>, _shared: &Self::Shared<'_>) {
        builder
            .register::<HostLog>()
            .register::<HostParams>()
            .register::<HostState>();
    }
}

/// A new instance of our plug-in from `entry`.
pub fn instance(entry: &PluginEntry) -> PluginInstance<Host> {
    let info = HostInfo::new(
        "semantic-eq tests",
        "semantic-eq",
        "https://example.invalid",
        "1.0",
    )
    .unwrap();
    PluginInstance::<Host>::new(|_| Shared, |_| Main, entry, PLUGIN_ID, &info).expect("instantiate")
}

/// Parameter string ID → (CLAP id, flags), from the plug-in's own list.
pub fn params(inst: &mut PluginInstance<Host>) -> BTreeMap<String, (ClapId, ParamInfoFlags)> {
    let h = inst.plugin_handle();
    let ext: PluginParams = h.get_extension().expect("params extension");
    let mut buf = ParamInfoBuffer::new();
    let mut out = BTreeMap::new();
    for i in 0..ext.count(&h) {
        let info = ext.get_info(&h, i, &mut buf).expect("param info");
        let name = String::from_utf8_lossy(info.name)
            .trim_end_matches('\0')
            .to_string();
        out.insert(name, (info.id, info.flags));
    }
    out
}

pub fn id_of(inst: &mut PluginInstance<Host>, name: &str) -> ClapId {
    params(inst)
        .get(name)
        .unwrap_or_else(|| panic!("no parameter named {name}"))
        .0
}

/// One parameter change: (frame, CLAP id, normalised value).
pub type Event = (usize, ClapId, f64);

/// Activates `inst`, processes `input` (planar) with `events` in host blocks
/// of the given sizes (cycled), deactivates, and returns the output.
pub fn process(
    inst: &mut PluginInstance<Host>,
    sample_rate: f64,
    input: &[Vec<f32>],
    events: &[Event],
    blocks: &[usize],
) -> Vec<Vec<f32>> {
    process_with(inst, sample_rate, input, events, blocks, &mut |_, _| {})
}

/// [`process`], calling `before_block(first frame, instance)` on the main
/// thread (this one) before every block, while the plug-in is processing.
pub fn process_with(
    inst: &mut PluginInstance<Host>,
    sample_rate: f64,
    input: &[Vec<f32>],
    events: &[Event],
    blocks: &[usize],
    before_block: &mut dyn FnMut(usize, &mut PluginInstance<Host>),
) -> Vec<Vec<f32>> {
    let frames = input[0].len();
    let channels = input.len();
    let max = *blocks.iter().max().unwrap();
    let config = PluginAudioConfiguration {
        sample_rate,
        min_frames_count: 1,
        max_frames_count: max as u32,
    };
    let stopped = inst.activate(|_, _| (), config).expect("activate");
    let mut proc = stopped.start_processing().expect("start processing");
    let mut output = vec![vec![0.0f32; frames]; channels];
    let mut in_ports = AudioPorts::with_capacity(channels, 1);
    let mut out_ports = AudioPorts::with_capacity(channels, 1);
    let mut at = 0;
    let mut b = 0;
    while at < frames {
        let n = blocks[b % blocks.len()].min(frames - at);
        b += 1;
        before_block(at, inst);
        let mut ev = EventBuffer::new();
        for &(f, id, v) in events.iter().filter(|e| e.0 >= at && e.0 < at + n) {
            ev.push(&ParamValueEvent::new(
                (f - at) as u32,
                id,
                Pckn::match_all(),
                v,
            ));
        }
        let mut in_bufs: Vec<Vec<f32>> = input.iter().map(|c| c[at..at + n].to_vec()).collect();
        let mut out_bufs: Vec<Vec<f32>> = vec![vec![0.0; n]; channels];
        let ins = in_ports.with_input_buffers([AudioPortBuffer {
            latency: 0,
            channels: AudioPortBufferType::f32_input_only(
                in_bufs
                    .iter_mut()
                    .map(|c| InputChannel::variable(c.as_mut_slice())),
            ),
        }]);
        let mut outs = out_ports.with_output_buffers([AudioPortBuffer {
            latency: 0,
            channels: AudioPortBufferType::f32_output_only(
                out_bufs.iter_mut().map(|c| c.as_mut_slice()),
            ),
        }]);
        proc.process(
            &ins,
            &mut outs,
            &InputEvents::from_buffer(&ev),
            &mut OutputEvents::void(),
            Some(at as u64),
            None,
        )
        .expect("process");
        for (o, c) in output.iter_mut().zip(&out_bufs) {
            o[at..at + n].copy_from_slice(c);
        }
        at += n;
    }
    inst.deactivate(proc.stop_processing());
    output
}
