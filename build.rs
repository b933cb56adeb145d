//! Generates the C header from `src/ffi` with cbindgen and checks it against the committed
//! `include/csvr.h`, so a change to the C API cannot ship with a stale header.
//!
//! The header is written to `$OUT_DIR/csvr.h` on every build; `tests/header.rs` fails when
//! it differs from `include/csvr.h`. `CSVR_UPDATE_HEADER=1 cargo build` (or
//! `make header`) rewrites the committed header.
//!
//! On Linux it also gives the shared library its versioned SONAME, `libcsvr.so.<major>`.

use std::env;
use std::fs;
use std::path::PathBuf;

fn main() {
    let crate_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("set by cargo"));
    let committed = crate_dir.join("include").join("csvr.h");
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed={}", committed.display());
    println!("cargo:rerun-if-env-changed=CSVR_UPDATE_HEADER");

    // A versioned SONAME, so that programs linked against libcsvr.so load
    // libcsvr.so.<major> (what `make install` puts beside libcsvr.so.<version>) and a
    // future incompatible libcsvr.so.1 can be installed beside it. While the major version
    // is 0, the minor version is the incompatible one in Cargo's rules, but the C ABI
    // contract (API.md) only grows, so .0 names every 0.x release.
    let target_os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if target_os == "linux" {
        let major = env::var("CARGO_PKG_VERSION_MAJOR").expect("set by cargo");
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libcsvr.so.{major}");
    }

    let config = match cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")) {
        Ok(config) => config,
        Err(e) => {
            println!("cargo:warning=cannot read cbindgen.toml: {e}");
            return;
        }
    };
    let bindings = match cbindgen::generate_with_config(&crate_dir, config) {
        Ok(bindings) => bindings,
        Err(e) => {
            // The compiler reports source errors better than cbindgen; let it.
            println!("cargo:warning=cbindgen could not generate the header: {e}");
            return;
        }
    };
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    fs::write(out_dir.join("csvr.h"), &generated).expect("OUT_DIR is writable");

    let current = fs::read(&committed).unwrap_or_default();
    if current == generated {
        return;
    }
    if env::var_os("CSVR_UPDATE_HEADER").is_some_and(|v| v != "0") {
        fs::create_dir_all(committed.parent().expect("has a parent")).expect("mkdir include");
        fs::write(&committed, &generated).expect("include/csvr.h is writable");
        println!("cargo:warning=include/csvr.h regenerated");
    } else {
        println!(
            "cargo:warning=include/csvr.h is stale: run `make header` \
             (CSVR_UPDATE_HEADER=1 cargo build) and commit it"
        );
    }
}
