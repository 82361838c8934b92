//! The VST3 bundle loaded like a DAW loads it (the `vst3` bindings + libloading): the debug
//! bundle with `assert_process_allocs`, set up at 48 kHz, driven with a playing transport at
//! 120 bpm in 64- and 512-sample blocks with the soprano of a real chorale. Asserts: the same
//! alto, sample for sample, as the plugin's voice (checked against `altus harmonize` in
//! tests/realtime.rs); every alto note-on has its note-off after the transport stops.
#![allow(non_snake_case)]

mod common;

use altus_core::corpus::chorales_for_test;
use altus_core::{Grid, midi};
use common::{Out, SR, balanced, bundle, reference, song_events};
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
        self.events.borrow_mut().push(unsafe { *e });
        kResultOk
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
struct Plugin {
    _lib: libloading::Library,
    component: ComPtr<IComponent>,
    processor: ComPtr<IAudioProcessor>,
}

impl Plugin {
    fn load() -> Plugin {
        let so = bundle().join("Altus.vst3/Contents/x86_64-linux/Altus.so");
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
            component.activateBus(
                MediaTypes_::kEvent as int32,
                BusDirections_::kInput as int32,
                0,
                1,
            );
            component.activateBus(
                MediaTypes_::kEvent as int32,
                BusDirections_::kOutput as int32,
                0,
                1,
            );
            assert_eq!(component.setActive(1), kResultOk);
            processor.setProcessing(1);
            Plugin {
                _lib: lib,
                component,
                processor,
            }
        }
    }

    /// One block; returns the output notes with absolute samples.
    fn process(
        &self,
        now: u64,
        block: u32,
        playing: bool,
        notes: &[(u32, u8, bool)],
        out: &mut Vec<Out>,
    ) {
        let input = ComWrapper::new(EventList::default());
        input
            .events
            .borrow_mut()
            .extend(notes.iter().map(|&(at, k, on)| note_event(at, k, on)));
        let output = ComWrapper::new(EventList::default());
        let in_ptr = input.to_com_ptr::<IEventList>().unwrap();
        let out_ptr = output.to_com_ptr::<IEventList>().unwrap();
        let beats = now as f64 / SR * 2.0;
        // SAFETY: ProcessContext is plain data.
        let mut ctx: ProcessContext = unsafe { std::mem::zeroed() };
        use ProcessContext_::StatesAndFlags_::*;
        ctx.state = kTempoValid
            | kProjectTimeMusicValid
            | kBarPositionValid
            | kTimeSigValid
            | if playing { kPlaying } else { 0 };
        ctx.sampleRate = SR;
        ctx.projectTimeSamples = now as i64;
        ctx.projectTimeMusic = beats;
        ctx.barPositionMusic = (beats / 4.0).floor() * 4.0;
        ctx.tempo = 120.0;
        ctx.timeSigNumerator = 4;
        ctx.timeSigDenominator = 4;
        let mut data = ProcessData {
            processMode: ProcessModes_::kRealtime as int32,
            symbolicSampleSize: SymbolicSampleSizes_::kSample32 as int32,
            numSamples: block as int32,
            numInputs: 0,
            numOutputs: 0,
            inputs: ptr::null_mut(),
            outputs: ptr::null_mut(),
            inputParameterChanges: ptr::null_mut(),
            outputParameterChanges: ptr::null_mut(),
            inputEvents: in_ptr.as_ptr(),
            outputEvents: out_ptr.as_ptr(),
            processContext: &mut ctx,
        };
        assert_eq!(unsafe { self.processor.process(&mut data) }, kResultOk);
        for e in output.events.borrow().iter() {
            let t = now + e.sampleOffset as u64;
            unsafe {
                match e.r#type as u32 {
                    x if x == Event_::EventTypes_::kNoteOnEvent => out.push((
                        t,
                        e.__field0.noteOn.pitch as u8,
                        true,
                        e.__field0.noteOn.channel as u8,
                    )),
                    x if x == Event_::EventTypes_::kNoteOffEvent => out.push((
                        t,
                        e.__field0.noteOff.pitch as u8,
                        false,
                        e.__field0.noteOff.channel as u8,
                    )),
                    _ => {}
                }
            }
        }
    }

    fn close(self) {
        unsafe {
            self.processor.setProcessing(0);
            self.component.setActive(0);
            self.component.terminate();
        }
    }
}

#[test]
fn vst3_bundle_plays_the_same_alto() {
    let Some(dir) = chorales_for_test("vst3_bundle_plays_the_same_alto") else {
        return;
    };
    let grid = Grid::from_score(&midi::read_file(&dir.join("000206b_.mid")).unwrap());
    let events = song_events(&grid, 120.0);
    let per_step = SR * 60.0 / 120.0 / 4.0;
    let end = (grid.len as f64 * per_step) as u64 + 8_000;
    for block in [64u32, 512] {
        let plugin = Plugin::load();
        let (mut now, mut i, mut out) = (0u64, 0, Vec::new());
        while now < end {
            let mut notes = Vec::new();
            while i < events.len() && events[i].0 < now + block as u64 {
                notes.push(((events[i].0 - now) as u32, events[i].1, events[i].2));
                i += 1;
            }
            plugin.process(now, block, true, &notes, &mut out);
            now += block as u64;
        }
        plugin.process(now, block, false, &[], &mut out);
        plugin.close();
        assert!(
            balanced(&out),
            "{block}: every alto note-on has its note-off"
        );
        let alto: Vec<Out> = out.iter().copied().filter(|o| o.3 == 1).collect();
        assert_eq!(
            alto,
            reference(&events, block, end),
            "{block}-sample blocks"
        );
        assert!(alto.len() > 40);
    }
}
