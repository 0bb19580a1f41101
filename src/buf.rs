//! The WebAssembly module's growable list, text and box: [`List`], [`Str`] and [`Own`], in place
//! of `Vec`, `String` and `Box`. The standard ones carry `alloc`'s capacity arithmetic, shrinking,
//! out-of-memory and capacity-overflow paths and the `core::fmt` code those keep (with the
//! boundary types of `wasm`, which keep wasm-bindgen's conversions from bringing them back,
//! about 1 KB of the gzip module). Here memory comes from the bump arena (`arena`), whose
//! `realloc` grows the last allocation in place, and running out of memory traps, as the arena
//! itself does: the JavaScript bridge turns a trap into an `OssError` and resets the module.
//!
//! Outside WebAssembly the core uses `Vec`, `String` and `Box` under the same names (the API used
//! is the subset both share); these types are compiled and unit-tested there too, over the
//! system allocator.

use alloc::alloc::{alloc, realloc};
use core::alloc::Layout;
use core::ptr::NonNull;

/// Ends the call: out of memory, or a size no allocation can have.
#[cold]
fn out_of_memory() -> ! {
    #[cfg(target_arch = "wasm32")]
    core::arch::wasm32::unreachable();
    #[cfg(not(target_arch = "wasm32"))]
    panic!("out of memory");
}

/// A list's memory, its items untyped: the growth code is not generic, and exists once.
struct Raw {
    ptr: NonNull<u8>,
    /// Items held, and items there is room for.
    len: usize,
    cap: usize,
}

impl Raw {
    /// Counts `more` items as held and returns where the first of them goes, after making room
    /// for them: items of `size` bytes and `align`, the memory allocated by this function with
    /// `cap * size` bytes (or not at all when `cap` is 0). Out of line: one copy for every list.
    #[inline(never)]
    fn claim(&mut self, more: usize, (size, align): (usize, usize)) -> *mut u8 {
        let Some(need) = self.len.checked_add(more) else {
            out_of_memory()
        };
        if need > self.cap {
            let cap = need.max(self.cap * 2).max(8);
            // A size past `isize::MAX` would break `Layout`'s rule (the arena's limit is far
            // below).
            let bytes = match cap.checked_mul(size) {
                Some(bytes) if bytes <= isize::MAX as usize / 2 => bytes,
                _ => out_of_memory(),
            };
            // SAFETY: `bytes` is non-zero (`size` is, see `List::SIZE`) and within `Layout`'s
            // bounds; `align` is a type's alignment; `ptr` was allocated here with
            // `(cap * size, align)` when `cap` is not 0.
            let moved = unsafe {
                if self.cap == 0 {
                    alloc(Layout::from_size_align_unchecked(bytes, align))
                } else {
                    let old = Layout::from_size_align_unchecked(self.cap * size, align);
                    realloc(self.ptr.as_ptr(), old, bytes)
                }
            };
            self.ptr = match NonNull::new(moved) {
                Some(p) => p,
                None => out_of_memory(),
            };
            self.cap = cap;
        }
        let at = self.len * size;
        self.len = need;
        // SAFETY: `at` is within the allocation of `cap * size` bytes.
        unsafe { self.ptr.as_ptr().add(at) }
    }
}

/// A growable list (what the core used `Vec` for).
pub struct List<T> {
    raw: Raw,
    items: core::marker::PhantomData<T>,
}

impl<T> List<T> {
    const LAYOUT: (usize, usize) = {
        assert!(
            core::mem::size_of::<T>() > 0,
            "no lists of zero-sized items"
        );
        (core::mem::size_of::<T>(), core::mem::align_of::<T>())
    };

    pub const fn new() -> Self {
        List {
            raw: Raw {
                ptr: NonNull::<T>::dangling().cast(),
                len: 0,
                cap: 0,
            },
            items: core::marker::PhantomData,
        }
    }

    fn ptr(&self) -> *mut T {
        self.raw.ptr.as_ptr().cast()
    }

    pub fn push(&mut self, item: T) {
        let slot = self.raw.claim(1, Self::LAYOUT).cast::<T>();
        // SAFETY: `claim` made room for the item there, aligned for `T`.
        unsafe { slot.write(item) };
    }

    pub fn pop(&mut self) -> Option<T> {
        if self.raw.len == 0 {
            return None;
        }
        self.raw.len -= 1;
        // SAFETY: the item at `len` was initialized, and is no longer counted as held.
        Some(unsafe { self.ptr().add(self.raw.len).read() })
    }

    /// Drops every item (in WebAssembly: forgets them, see `Drop`), keeping the memory.
    pub fn clear(&mut self) {
        #[cfg(not(target_arch = "wasm32"))]
        let items: *mut [T] = &mut **self;
        self.raw.len = 0;
        // SAFETY: the items were initialized and are no longer counted as held.
        #[cfg(not(target_arch = "wasm32"))]
        unsafe {
            core::ptr::drop_in_place(items)
        };
    }

    pub fn as_slice(&self) -> &[T] {
        self
    }
}

impl<T: Copy> List<T> {
    pub fn extend_from_slice(&mut self, items: &[T]) {
        let slots = self.raw.claim(items.len(), Self::LAYOUT).cast::<T>();
        // SAFETY: `claim` made room for `items` there; a list and a slice borrowed alongside it
        // never overlap.
        unsafe { core::ptr::copy_nonoverlapping(items.as_ptr(), slots, items.len()) };
    }
}

impl<T> Default for List<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> core::ops::Deref for List<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        // SAFETY: `ptr` holds `len` initialized items (or is dangling and aligned when `len` is 0).
        unsafe { core::slice::from_raw_parts(self.ptr(), self.raw.len) }
    }
}

impl<T> core::ops::DerefMut for List<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        // SAFETY: as for `deref`, and `&mut self` is the only way to the items.
        unsafe { core::slice::from_raw_parts_mut(self.ptr(), self.raw.len) }
    }
}

/// In WebAssembly a list has no destructor: the arena frees nothing and starts afresh after each
/// call, and what lists hold there (text, borrowed slices) needs no dropping, so the module
/// carries no drop code for them. Elsewhere a list frees its items and its memory.
#[cfg(not(target_arch = "wasm32"))]
impl<T> Drop for List<T> {
    fn drop(&mut self) {
        self.clear();
        if self.raw.cap > 0 {
            let (size, align) = Self::LAYOUT;
            // SAFETY: allocated by `Raw::claim` with this size and alignment.
            unsafe {
                alloc::alloc::dealloc(
                    self.raw.ptr.as_ptr(),
                    Layout::from_size_align_unchecked(self.raw.cap * size, align),
                )
            };
        }
    }
}

impl<'a, T> IntoIterator for &'a List<T> {
    type Item = &'a T;
    type IntoIter = core::slice::Iter<'a, T>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<T: Clone> Clone for List<T> {
    fn clone(&self) -> Self {
        let mut out = List::new();
        for item in self.iter() {
            out.push(item.clone());
        }
        out
    }
}

impl<T: PartialEq> PartialEq for List<T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: Eq> Eq for List<T> {}

impl<T: PartialOrd> PartialOrd for List<T> {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        (**self).partial_cmp(&**other)
    }
}

impl<T: Ord> Ord for List<T> {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        (**self).cmp(&**other)
    }
}

impl<T: core::fmt::Debug> core::fmt::Debug for List<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        (**self).fmt(f)
    }
}

/// Growable UTF-8 text (what the core used `String` for): only text is ever appended.
#[derive(Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Str(List<u8>);

impl Clone for Str {
    fn clone(&self) -> Self {
        Str::from(self.as_str())
    }
}

impl Str {
    pub const fn new() -> Self {
        Str(List::new())
    }

    pub fn push_str(&mut self, s: &str) {
        self.0.extend_from_slice(s.as_bytes());
    }

    pub fn push(&mut self, c: char) {
        self.push_str(c.encode_utf8(&mut [0; 4]));
    }

    pub fn clear(&mut self) {
        self.0.clear();
    }

    pub fn as_str(&self) -> &str {
        self
    }

    /// Changing the case of ASCII letters keeps the text UTF-8.
    pub fn make_ascii_lowercase(&mut self) {
        self.0.make_ascii_lowercase();
    }

    pub fn make_ascii_uppercase(&mut self) {
        self.0.make_ascii_uppercase();
    }

    /// Gives the text up as `(pointer, length)`: `length` bytes of UTF-8 in an allocation of
    /// exactly that size and alignment 1 made by the global allocator, whoever frees it with
    /// that layout (wasm-bindgen's `__wbindgen_free`, once JavaScript has read it); nothing to
    /// free when the length is 0.
    pub fn into_raw(self) -> (*mut u8, usize) {
        if self.is_empty() {
            return (NonNull::dangling().as_ptr(), 0);
        }
        let bytes = core::mem::ManuallyDrop::new(self.0);
        let (len, cap) = (bytes.raw.len, bytes.raw.cap);
        if len == cap {
            return (bytes.raw.ptr.as_ptr(), len);
        }
        // SAFETY: `len` (not 0) is within the allocation of `cap` bytes made by `Raw::claim`.
        let shrunk = unsafe {
            realloc(
                bytes.raw.ptr.as_ptr(),
                Layout::from_size_align_unchecked(cap, 1),
                len,
            )
        };
        if shrunk.is_null() {
            out_of_memory()
        }
        (shrunk, len)
    }
}

impl core::ops::Deref for Str {
    type Target = str;

    fn deref(&self) -> &str {
        // SAFETY: only `&str` and `char`s are ever appended, so the bytes are UTF-8.
        unsafe { core::str::from_utf8_unchecked(&self.0) }
    }
}

impl From<&str> for Str {
    fn from(s: &str) -> Self {
        let mut out = Str::new();
        out.push_str(s);
        out
    }
}

impl PartialEq<str> for Str {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Str {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl AsRef<str> for Str {
    fn as_ref(&self) -> &str {
        self
    }
}

impl core::fmt::Display for Str {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.as_str().fmt(f)
    }
}

impl core::fmt::Debug for Str {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.as_str().fmt(f)
    }
}

/// A value on the heap (what the core used `Box` for).
pub struct Own<T>(List<T>);

impl<T> Own<T> {
    pub fn new(value: T) -> Self {
        let mut one = List::new();
        one.push(value);
        Own(one)
    }
}

impl<T> core::ops::Deref for Own<T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: an `Own` always holds its one item.
        unsafe { &*self.0.ptr() }
    }
}

impl<T: Clone> Clone for Own<T> {
    fn clone(&self) -> Self {
        Own::new((**self).clone())
    }
}

impl<T: PartialEq> PartialEq for Own<T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: Eq> Eq for Own<T> {}

impl<T: core::fmt::Debug> core::fmt::Debug for Own<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        (**self).fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;
    use alloc::vec::Vec;

    #[test]
    fn lists_grow_pop_clear_and_drop_their_items() {
        let mut list: List<(Str, u64)> = List::new();
        let mut reference = Vec::new();
        for i in 0..1000u64 {
            let text = Str::from(crate::text::decimal(i).as_str());
            reference.push((String::from(text.as_str()), i));
            list.push((text, i));
        }
        assert_eq!(list.len(), 1000);
        for (ours, theirs) in list.iter().zip(&reference) {
            assert_eq!((ours.0.as_str(), ours.1), (theirs.0.as_str(), theirs.1));
        }
        assert_eq!(list.pop().map(|p| p.1), Some(999));
        let copy = list.clone();
        assert!(copy == list);
        list.clear();
        assert!(list.is_empty() && list.pop().is_none());
        assert_eq!(copy.len(), 999);
    }

    #[test]
    fn text_appends_and_boxes() {
        let mut s = Str::new();
        // SAFETY (test): `into_raw` gives a `String`'s parts (capacity = length).
        let string = |s: Str| unsafe {
            let (ptr, len) = s.into_raw();
            String::from_raw_parts(ptr, len, len)
        };
        assert_eq!(string(s.clone()), "");
        let mut emptied = Str::from("abc");
        emptied.clear();
        assert_eq!(string(emptied), "");
        for _ in 0..100 {
            s.push_str("ab");
            s.push('中');
            s.push('😀');
        }
        assert_eq!(s.len(), 100 * 9);
        assert!(s.starts_with("ab中😀ab"));
        let string = string(s.clone());
        assert_eq!((string.as_str(), string.capacity()), (s.as_str(), s.len()));
        let (a, ab, b) = (Str::from("a"), Str::from("ab"), Str::from("b"));
        assert!(a < ab && ab < b && b > a);
        assert_eq!(*Own::new(Str::from("x")), "x");
    }
}
