//! A VST3 host for the debug bundle (the `vst3` bindings + libloading, own COM objects for the
//! event lists and parameter changes): module entry, factory, component, processor; set up at
//! 48 kHz; blocks with a process context; setProcessing off/on; setActive off/on.
#![allow(non_snake_case)]

use super::{Host, HostTime, Out, SR};
use std::cell::RefCell;
use std::ffi::c_void;
use std::ptr;
use vst3::Steinberg::Vst::*;
use vst3::Steinberg::*;
use vst3::{Class, ComPtr, ComWrapper, Interface};

/// The host's event list (input or output), a COM object the plugin calls into.
#[derive(Default)]
struct EventList {
    events: RefCell<Vec<Event>>,
}

impl Class for EventList {
    type Interfaces = (IEventList,);
}

impl IEventListTrait for EventList {
    unsafe fn getEventCount(&self) -> int32 {
        self.events.borrow().len() as int32
    }

    unsafe fn getEvent(&self, index: int32, e: *mut Event) -> tresult {
        match self.events.borrow().get(index as usize) {
            Some(ev) if !e.is_null() => {
                // SAFETY: the host caller passes a writable `Event` (checked non-null).
                unsafe { *e = *ev };
                kResultOk
            }
            _ => kInvalidArgument,
        }
    }

    unsafe fn addEvent(&self, e: *mut Event) -> tresult {
        if e.is_null() {
            return kInvalidArgument;
        }
        // SAFETY: the caller passes a valid `Event` (checked non-null).
        self.events.borrow_mut().push(unsafe { *e });
        kResultOk
    }
}

/// One parameter's changes in a block: a single point at offset 0.
struct ValueQueue {
    id: ParamID,
    value: ParamValue,
}

impl Class for ValueQueue {
    type Interfaces = (IParamValueQueue,);
}

impl IParamValueQueueTrait for ValueQueue {
    unsafe fn getParameterId(&self) -> ParamID {
        self.id
    }
    unsafe fn getPointCount(&self) -> int32 {
        1
    }
    unsafe fn getPoint(&self, index: int32, offset: *mut int32, value: *mut ParamValue) -> tresult {
        if index != 0 || offset.is_null() || value.is_null() {
            return kInvalidArgument;
        }
        // SAFETY: both out-pointers are the caller's, checked non-null.
        unsafe {
            *offset = 0;
            *value = self.value;
        }
        kResultOk
    }
    unsafe fn addPoint(&self, _: int32, _: ParamValue, _: *mut int32) -> tresult {
        kResultFalse
    }
}

/// A block's parameter changes.
struct Changes {
    queues: Vec<ComWrapper<ValueQueue>>,
}

impl Class for Changes {
    type Interfaces = (IParameterChanges,);
}

impl IParameterChangesTrait for Changes {
    unsafe fn getParameterCount(&self) -> int32 {
        self.queues.len() as int32
    }
    unsafe fn getParameterData(&self, index: int32) -> *mut IParamValueQueue {
        self.queues
            .get(index as usize)
            .and_then(|q| q.as_com_ref::<IParamValueQueue>())
            .map_or(ptr::null_mut(), |r| r.as_ptr())
    }
    unsafe fn addParameterData(&self, _: *const ParamID, _: *mut int32) -> *mut IParamValueQueue {
        ptr::null_mut()
    }
}

fn note_event(at: u32, key: u8, on: bool) -> Event {
    // SAFETY: Event is plain data; the union member written matches `type`.
    let mut e: Event = unsafe { std::mem::zeroed() };
    e.sampleOffset = at as int32;
    if on {
        e.r#type = Event_::EventTypes_::kNoteOnEvent as u16;
        e.__field0.noteOn = NoteOnEvent {
            channel: 0,
            pitch: key as int16,
            tuning: 0.0,
            velocity: 0.7,
            length: 0,
            noteId: -1,
        };
    } else {
        e.r#type = Event_::EventTypes_::kNoteOffEvent as u16;
        e.__field0.noteOff = NoteOffEvent {
            channel: 0,
            pitch: key as int16,
            velocity: 0.0,
            noteId: -1,
            tuning: 0.0,
        };
    }
    e
}

/// A loaded, active VST3 processor.
pub struct Vst3Host {
    _lib: libloading::Library,
    component: ComPtr<IComponent>,
    processor: ComPtr<IAudioProcessor>,
    params: Vec<(String, ParamID)>,
    pending: Vec<(ParamID, f64)>,
    block: u32,
    now: u64,
    out: Vec<Out>,
    /// Processing restarts and re-activations so far.
    pub restarts: usize,
}

impl Vst3Host {
    /// Loads the bundle's module, creates and initialises the component, sets it up at 48 kHz
    /// for blocks of up to 512 samples, activates it and starts processing.
    pub fn load(block: u32) -> Vst3Host {
        let so = super::bundle().join("Altus.vst3/Contents/x86_64-linux/Altus.so");
        // SAFETY: our own bundle, built for this run; the calls follow the VST3 module and factory
        // protocol (entry, factory, instance, initialise, setup, activate) in order, each
        // pointer checked before use.
        unsafe {
            let lib = libloading::Library::new(&so).expect("load the VST3 module");
            if let Ok(entry) =
                lib.get::<unsafe extern "system" fn(*mut c_void) -> bool>(b"ModuleEntry")
            {
                assert!(entry(ptr::null_mut()));
            }
            let get = lib
                .get::<unsafe extern "system" fn() -> *mut IPluginFactory>(b"GetPluginFactory")
                .expect("GetPluginFactory");
            let factory = ComPtr::<IPluginFactory>::from_raw(get()).expect("a factory");
            let mut info: PClassInfo = std::mem::zeroed();
            assert_eq!(factory.getClassInfo(0, &mut info), kResultOk);
            let mut obj: *mut c_void = ptr::null_mut();
            let r = factory.createInstance(
                info.cid.as_ptr(),
                IComponent::IID.as_ptr() as FIDString,
                &mut obj,
            );
            assert_eq!(r, kResultOk, "createInstance");
            let component =
                ComPtr::<IComponent>::from_raw(obj as *mut IComponent).expect("a component");
            assert_eq!(component.initialize(ptr::null_mut()), kResultOk);
            let processor = component
                .cast::<IAudioProcessor>()
                .expect("IAudioProcessor");
            let mut setup = ProcessSetup {
                processMode: ProcessModes_::kRealtime as int32,
                symbolicSampleSize: SymbolicSampleSizes_::kSample32 as int32,
                maxSamplesPerBlock: 512,
                sampleRate: SR,
            };
            assert_eq!(processor.setupProcessing(&mut setup), kResultOk);
            for dir in [BusDirections_::kInput, BusDirections_::kOutput] {
                component.activateBus(MediaTypes_::kEvent as int32, dir as int32, 0, 1);
            }
            let params = param_list(&component);
            assert_eq!(component.setActive(1), kResultOk);
            processor.setProcessing(1);
            Vst3Host {
                _lib: lib,
                component,
                processor,
                params,
                pending: Vec::new(),
                block,
                now: 0,
                out: Vec::new(),
                restarts: 0,
            }
        }
    }

    /// Stops processing, deactivates, terminates; returns everything the plugin sent.
    pub fn close(self) -> Vec<Out> {
        // SAFETY: the component is live (created in `load`), on the thread that made it.
        unsafe {
            self.processor.setProcessing(0);
            self.component.setActive(0);
            self.component.terminate();
        }
        self.out
    }
}

/// Display names and ids of every parameter (the single component is also the controller).
fn param_list(component: &ComPtr<IComponent>) -> Vec<(String, ParamID)> {
    let controller = component
        .cast::<IEditController>()
        .expect("IEditController");
    // SAFETY: `ParameterInfo` is plain data (zeroed is valid); `i` is below the count.
    unsafe {
        (0..controller.getParameterCount())
            .map(|i| {
                let mut info: ParameterInfo = std::mem::zeroed();
                assert_eq!(controller.getParameterInfo(i, &mut info), kResultOk);
                let title: Vec<u16> = info.title.iter().copied().take_while(|&c| c != 0).collect();
                (String::from_utf16_lossy(&title), info.id)
            })
            .collect()
    }
}

impl Host for Vst3Host {
    fn block_len(&self) -> u32 {
        self.block
    }

    fn now(&self) -> u64 {
        self.now
    }

    fn block(&mut self, t: &HostTime, notes: &[(u32, u8, bool)]) {
        let input = ComWrapper::new(EventList::default());
        input
            .events
            .borrow_mut()
            .extend(notes.iter().map(|&(at, k, on)| note_event(at, k, on)));
        let output = ComWrapper::new(EventList {
            events: RefCell::new(Vec::with_capacity(65_536)),
        });
        let changes = ComWrapper::new(Changes {
            queues: self
                .pending
                .drain(..)
                .map(|(id, value)| ComWrapper::new(ValueQueue { id, value }))
                .collect(),
        });
        let in_ptr = input.to_com_ptr::<IEventList>().unwrap();
        let out_ptr = output.to_com_ptr::<IEventList>().unwrap();
        let changes_ptr = changes.to_com_ptr::<IParameterChanges>().unwrap();
        let mut ctx = context(t, self.now);
        let mut data = ProcessData {
            processMode: ProcessModes_::kRealtime as int32,
            symbolicSampleSize: SymbolicSampleSizes_::kSample32 as int32,
            numSamples: self.block as int32,
            numInputs: 0,
            numOutputs: 0,
            inputs: ptr::null_mut(),
            outputs: ptr::null_mut(),
            inputParameterChanges: changes_ptr.as_ptr(),
            outputParameterChanges: ptr::null_mut(),
            inputEvents: in_ptr.as_ptr(),
            outputEvents: out_ptr.as_ptr(),
            processContext: &mut ctx,
        };
        // SAFETY: `data` and everything it points to live on this frame for the call.
        assert_eq!(unsafe { self.processor.process(&mut data) }, kResultOk);
        self.out.extend(
            output
                .events
                .borrow()
                .iter()
                .filter_map(|e| note_out(self.now, e)),
        );
        self.now += self.block as u64;
    }

    fn set_param(&mut self, name: &str, normalized: f64) {
        let id = self
            .params
            .iter()
            .find(|p| p.0 == name)
            .unwrap_or_else(|| panic!("no parameter {name} in {:?}", self.params))
            .1;
        self.pending.push((id, normalized.clamp(0.0, 1.0)));
    }

    fn restart_processing(&mut self) {
        // SAFETY: the processor is live and active.
        unsafe {
            self.processor.setProcessing(0);
            self.processor.setProcessing(1);
        }
        self.restarts += 1;
    }

    fn reactivate(&mut self) {
        // SAFETY: the component is live, set up in `load`.
        unsafe {
            self.processor.setProcessing(0);
            assert_eq!(self.component.setActive(0), kResultOk);
            assert_eq!(self.component.setActive(1), kResultOk);
            self.processor.setProcessing(1);
        }
        self.restarts += 1;
    }

    fn output(&self) -> &[Out] {
        &self.out
    }
}

/// The process context of a block at `t`, starting at sample `now`.
fn context(t: &HostTime, now: u64) -> ProcessContext {
    // SAFETY: ProcessContext is plain data.
    let mut ctx: ProcessContext = unsafe { std::mem::zeroed() };
    use ProcessContext_::StatesAndFlags_::*;
    ctx.state = kTempoValid
        | kProjectTimeMusicValid
        | kBarPositionValid
        | kTimeSigValid
        | if t.playing { kPlaying } else { 0 };
    ctx.sampleRate = SR;
    ctx.projectTimeSamples = now as i64;
    ctx.projectTimeMusic = t.beats;
    ctx.barPositionMusic = (t.beats / 4.0).floor() * 4.0;
    ctx.tempo = t.bpm;
    ctx.timeSigNumerator = 4;
    ctx.timeSigDenominator = 4;
    ctx
}

/// A note event the plugin sent, as an [`Out`].
fn note_out(now: u64, e: &Event) -> Option<Out> {
    let t = now + e.sampleOffset as u64;
    // SAFETY: the union member read matches `type`.
    unsafe {
        match e.r#type as u32 {
            x if x == Event_::EventTypes_::kNoteOnEvent => {
                let n = e.__field0.noteOn;
                Some((t, n.pitch as u8, true, n.channel as u8))
            }
            x if x == Event_::EventTypes_::kNoteOffEvent => {
                let n = e.__field0.noteOff;
                Some((t, n.pitch as u8, false, n.channel as u8))
            }
            _ => None,
        }
    }
}
