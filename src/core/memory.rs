//! The process's memory, as the allocator keeps it (glibc on Linux; elsewhere these do
//! nothing).

/// One allocator arena for every thread. glibc gives each thread that allocates an arena of
/// its own: the threads of a large run (the sheet's reader, the Parquet encoders) left some
/// twenty megabytes of a million-row run's peak in arenas they no longer used. A batch with
/// a handful of threads that allocate little in parallel loses no measurable time with one.
/// Called first thing, before any thread exists.
pub fn one_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` only sets a parameter of the allocator.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

/// Gives the memory freed so far back to the system: the rows a sheet's reading thread had
/// ahead are freed when the table is read, and the publication that follows needs fresh
/// memory of other sizes.
pub fn give_back_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only returns free pages of the allocator's heap to the system.
    unsafe {
        libc::malloc_trim(0);
    }
}
