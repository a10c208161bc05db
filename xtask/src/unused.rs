//! Exported wasm-bindgen classes that nothing in the app uses, taken out of the main module and
//! its JS glue before wasm-opt (`cargo xtask split`, step 2).
//!
//! Leptos depends on server_fn, and server_fn on wasm-streams, whose stream adapters
//! ([`UNUSED_CLASSES`]) are `#[wasm_bindgen]` classes: their methods are exports of the wasm, so
//! neither the linker nor wasm-opt can drop them, nor the code they reach. The app calls no
//! server function and makes no stream of its own, so nothing creates one. Without their exports
//! wasm-opt removes that code: 2.0 KB gzip of the first load (measured: 1.7 KB of wasm, 0.3 KB
//! of glue).

/// The classes taken out: wasm-streams' adapters between Rust streams and the browser's
/// `ReadableStream`/`WritableStream`, which only server_fn's streaming uses.
pub const UNUSED_CLASSES: [&str; 3] = [
    "IntoUnderlyingByteSource",
    "IntoUnderlyingSink",
    "IntoUnderlyingSource",
];

/// Whether a wasm export belongs to one of `classes`: wasm-bindgen names a class's methods
/// `<class>_<method>` and its destructor `__wbg_<class>_free`, the class in lower case.
fn is_class_export(name: &str, classes: &[&str]) -> bool {
    classes.iter().any(|class| {
        let class = class.to_ascii_lowercase();
        name.strip_prefix(&class)
            .is_some_and(|rest| rest.starts_with('_'))
            || name == format!("__wbg_{class}_free")
    })
}

/// `wasm` without the exports of `classes`. Fails on a module that is not well formed, or that
/// has no export of one of the classes (then the wasm-bindgen or wasm-streams in use no longer
/// names them as this expects, and the list needs a look).
pub fn drop_exports(wasm: &[u8], classes: &[&str]) -> Result<Vec<u8>, String> {
    const HEADER: usize = 8;
    const EXPORT_SECTION: u8 = 7;
    if wasm.len() < HEADER || &wasm[..4] != b"\0asm" {
        return Err("not a WebAssembly module".into());
    }
    let mut out = wasm[..HEADER].to_vec();
    let mut at = HEADER;
    let mut dropped = Vec::new();
    while at < wasm.len() {
        let id = wasm[at];
        let (size, body_at) = leb(wasm, at + 1)?;
        let end = body_at
            .checked_add(size as usize)
            .filter(|&e| e <= wasm.len())
            .ok_or("a section runs past the end of the module")?;
        if id != EXPORT_SECTION {
            out.extend_from_slice(&wasm[at..end]);
            at = end;
            continue;
        }
        let (count, mut p) = leb(wasm, body_at)?;
        let mut kept = Vec::new();
        let mut kept_count = 0u32;
        for _ in 0..count {
            let start = p;
            let (len, name_at) = leb(wasm, p)?;
            let name_end = name_at + len as usize;
            let name = wasm
                .get(name_at..name_end)
                .and_then(|n| std::str::from_utf8(n).ok())
                .ok_or("an export name is not UTF-8")?;
            let (_, next) = leb(wasm, name_end + 1)?; // kind byte, then the index
            p = next;
            if is_class_export(name, classes) {
                dropped.push(name.to_owned());
            } else {
                kept.extend_from_slice(&wasm[start..p]);
                kept_count += 1;
            }
        }
        if p != end {
            return Err("the export section's size does not match its entries".into());
        }
        let mut body = Vec::new();
        put_leb(&mut body, kept_count);
        body.extend_from_slice(&kept);
        out.push(EXPORT_SECTION);
        put_leb(&mut out, body.len() as u32);
        out.extend_from_slice(&body);
        at = end;
    }
    for class in classes {
        let free = format!("__wbg_{}_free", class.to_ascii_lowercase());
        if !dropped.contains(&free) {
            return Err(format!("no export {free} for the class {class}"));
        }
    }
    Ok(out)
}

/// The JS glue without `classes`: each `export class <C> { … }` with the line after it that
/// gives it `Symbol.dispose`, and its `const <C>Finalization = …;` registry. Fails when one of
/// them is not found as wasm-bindgen writes it.
pub fn drop_classes(glue: &str, classes: &[&str]) -> Result<String, String> {
    let mut glue = glue.to_owned();
    for class in classes {
        let start_text = format!("export class {class} {{");
        let end_text = format!(
            "if (Symbol.dispose) {class}.prototype[Symbol.dispose] = {class}.prototype.free;\n"
        );
        glue = cut(&glue, &start_text, &end_text)
            .ok_or_else(|| format!("the JS glue has no class {class} as wasm-bindgen writes it"))?;
        let registry = format!("const {class}Finalization = ");
        glue = cut(&glue, &registry, ";\n")
            .ok_or_else(|| format!("the JS glue has no {class}Finalization registry"))?;
        if glue.contains(class) {
            return Err(format!("the JS glue still uses {class}"));
        }
    }
    Ok(glue)
}

/// `text` without the first span from `start` through the first `end` after it.
fn cut(text: &str, start: &str, end: &str) -> Option<String> {
    let from = text.find(start)?;
    let to = from + text[from..].find(end)? + end.len();
    Some(format!("{}{}", &text[..from], &text[to..]))
}

/// An unsigned LEB128 number at `at`: its value and where what follows it starts.
fn leb(bytes: &[u8], mut at: usize) -> Result<(u32, usize), String> {
    let mut value = 0u32;
    for shift in (0..35).step_by(7) {
        let byte = *bytes
            .get(at)
            .ok_or("a number runs past the end of the module")?;
        at += 1;
        value |= u32::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok((value, at));
        }
    }
    Err("a number is longer than 5 bytes".into())
}

fn put_leb(out: &mut Vec<u8>, mut value: u32) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module of `functions` empty functions with `exports` (name, function index).
    fn module(functions: u8, exports: &[(&str, u32)]) -> Vec<u8> {
        let mut m = b"\0asm\x01\0\0\0".to_vec();
        m.extend_from_slice(&[1, 4, 1, 0x60, 0, 0]); // one type: () -> ()
        let mut types = Vec::new(); // the functions, all of that type
        put_leb(&mut types, functions.into());
        types.extend(std::iter::repeat_n(0, functions.into()));
        m.push(3);
        put_leb(&mut m, types.len() as u32);
        m.extend_from_slice(&types);
        let mut body = Vec::new();
        put_leb(&mut body, exports.len() as u32);
        for (name, index) in exports {
            put_leb(&mut body, name.len() as u32);
            body.extend_from_slice(name.as_bytes());
            body.push(0); // a function
            put_leb(&mut body, *index);
        }
        m.push(7);
        put_leb(&mut m, body.len() as u32);
        m.extend_from_slice(&body);
        let mut code = Vec::new();
        put_leb(&mut code, functions.into());
        for _ in 0..functions {
            code.extend_from_slice(&[2, 0, 0x0b]);
        }
        m.push(10);
        put_leb(&mut m, code.len() as u32);
        m.extend_from_slice(&code);
        m
    }

    #[test]
    fn drops_a_class_s_methods_and_destructor_and_keeps_the_rest() {
        let with = module(
            200,
            &[
                ("main", 0),
                ("__wbg_intounderlyingsink_free", 1),
                ("intounderlyingsink_write", 2),
                ("intounderlyingsink_close", 3),
                ("intounderlyingsinkish", 4),
                ("__wbindgen_malloc", 150), // an index of two LEB128 bytes
            ],
        );
        let without = drop_exports(&with, &["IntoUnderlyingSink"]).unwrap();
        assert_eq!(
            without,
            module(
                200,
                &[
                    ("main", 0),
                    ("intounderlyingsinkish", 4),
                    ("__wbindgen_malloc", 150)
                ]
            )
        );
    }

    #[test]
    fn says_which_class_it_did_not_find() {
        let err = drop_exports(&module(1, &[("main", 0)]), &["IntoUnderlyingSink"]).unwrap_err();
        assert!(err.contains("__wbg_intounderlyingsink_free"), "{err}");
        assert!(drop_exports(b"not wasm", &["X"]).is_err());
        let mut cut_short = module(1, &[("__wbg_x_free", 0)]);
        cut_short.truncate(cut_short.len() - 2);
        assert!(drop_exports(&cut_short, &["X"]).is_err());
    }

    const GLUE: &str = "\
import * as import1 from \"./__wasm_split.js\"

export class Sink {
    free() {
        SinkFinalization.unregister(this);
        wasm.__wbg_sink_free(this.__wbg_ptr, 0);
    }
}
if (Symbol.dispose) Sink.prototype[Symbol.dispose] = Sink.prototype.free;

export function start() {}
const SinkFinalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_sink_free(ptr, 1));
const OtherFinalization = 1;
";

    #[test]
    fn drops_a_class_and_its_registry_from_the_glue() {
        let glue = drop_classes(GLUE, &["Sink"]).unwrap();
        assert_eq!(
            glue,
            "import * as import1 from \"./__wasm_split.js\"\n\n\n\
             export function start() {}\nconst OtherFinalization = 1;\n"
        );
        let err = drop_classes(GLUE, &["Source"]).unwrap_err();
        assert!(err.contains("Source"), "{err}");
    }
}
