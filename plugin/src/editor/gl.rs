//! Keeps the OpenGL libraries loaded for the life of the process.
//!
//! Each editor window (baseview through x11-dl) opens `libGL.so.1` itself, and Mesa loads its
//! GLX vendor library and DRI driver per X connection; all of them are closed again when the
//! window goes. A window thread that used GL still runs the thread-local destructors those
//! libraries registered as it exits, so when its (or another editor's) closing unloads them
//! first, the process crashes (seen here under Xvfb with Mesa, two instances' editors closed
//! one after the other, about one run in five). So `libGL.so.1` is opened once more with
//! `RTLD_NODELETE` before the first editor opens, and once the first editor draws, every GL
//! library then loaded (libglvnd, the vendor library, the DRI driver) too: they stay mapped.

/// Loads `libGL.so.1` for good (call before the first editor opens its window).
#[cfg(target_os = "linux")]
pub fn keep_libgl() {
    static PINNED: std::sync::Once = std::sync::Once::new();
    PINNED.call_once(|| {
        // SAFETY: a C string and flags; a missing library returns null, which is fine (the
        // editor then fails to open as it would have anyway). The handle is never closed.
        let _ = unsafe { sys::dlopen(c"libGL.so.1".as_ptr(), sys::RTLD_NOW | sys::RTLD_NODELETE) };
    });
}

/// Pins every GL library loaded now (call on the editor's thread once its context is
/// current: the vendor library and the driver are loaded then); the first call does the work.
#[cfg(target_os = "linux")]
pub fn keep_loaded() {
    use std::ffi::{CStr, CString, c_int, c_void};

    unsafe extern "C" fn visit(info: *mut sys::PhdrInfo, _: usize, names: *mut c_void) -> c_int {
        // SAFETY: the loader passes a valid entry; `names` is the Vec below.
        let (name, names) = unsafe { ((*info).name, &mut *names.cast::<Vec<CString>>()) };
        if !name.is_null() {
            // SAFETY: a non-null name is the loader's NUL-terminated path, alive during the call.
            let name = unsafe { CStr::from_ptr(name) };
            if is_gl(name.to_bytes()) {
                names.push(name.to_owned());
            }
        }
        0
    }

    static PINNED: std::sync::Once = std::sync::Once::new();
    PINNED.call_once(|| {
        let mut names: Vec<CString> = Vec::new();
        // SAFETY: `visit` only reads the entries and pushes to `names`; RTLD_NOLOAD only takes
        // another reference to a library already loaded, and it is never closed.
        unsafe {
            sys::dl_iterate_phdr(visit, (&mut names as *mut Vec<CString>).cast());
            for n in &names {
                let flags = sys::RTLD_NOW | sys::RTLD_NOLOAD | sys::RTLD_NODELETE;
                sys::dlopen(n.as_ptr(), flags);
            }
        }
    });
}

/// The dynamic loader's calls (glibc and musl).
#[cfg(target_os = "linux")]
mod sys {
    use std::ffi::{c_char, c_int, c_void};
    /// The head of `struct dl_phdr_info`.
    #[repr(C)]
    pub struct PhdrInfo {
        pub addr: usize,
        pub name: *const c_char,
    }
    unsafe extern "C" {
        pub fn dlopen(filename: *const c_char, flag: c_int) -> *mut c_void;
        pub fn dl_iterate_phdr(
            visit: unsafe extern "C" fn(*mut PhdrInfo, usize, *mut c_void) -> c_int,
            data: *mut c_void,
        ) -> c_int;
    }
    // From <dlfcn.h>.
    pub const RTLD_NOW: c_int = 2;
    pub const RTLD_NOLOAD: c_int = 4;
    pub const RTLD_NODELETE: c_int = 0x1000;
}

/// Whether a loaded library's path is part of the OpenGL stack (libglvnd, Mesa, vendor GLX and
/// DRI drivers).
#[cfg(any(target_os = "linux", test))]
fn is_gl(path: &[u8]) -> bool {
    let file = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
    let has = |s: &[u8]| file.windows(s.len()).any(|w| w == s);
    has(b"libGL")
        || has(b"libEGL")
        || has(b"libglapi")
        || has(b"_dri.so")
        || has(b"libgallium")
        || has(b"nvidia")
}

/// Other systems keep OpenGL loaded once per process already.
#[cfg(not(target_os = "linux"))]
pub fn keep_libgl() {}

/// See [`keep_libgl`].
#[cfg(not(target_os = "linux"))]
pub fn keep_loaded() {}

#[cfg(test)]
mod tests {
    #[test]
    fn the_gl_stack_is_recognised_by_file_name() {
        for gl in [
            "/lib/x86_64-linux-gnu/libGL.so.1",
            "/lib/x86_64-linux-gnu/libGLX_mesa.so.0",
            "/lib/x86_64-linux-gnu/libGLdispatch.so.0",
            "/usr/lib/x86_64-linux-gnu/dri/swrast_dri.so",
            "/usr/lib/libnvidia-glcore.so.550.1",
        ] {
            assert!(super::is_gl(gl.as_bytes()), "{gl}");
        }
        for other in [
            "/lib/x86_64-linux-gnu/libX11.so.6",
            "/home/u/.clap/Altus.clap",
            "",
        ] {
            assert!(!super::is_gl(other.as_bytes()), "{other}");
        }
    }
}
