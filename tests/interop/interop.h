/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Shared parts of the interop suites (tests/interop/): pgsmsipbin phones
 * (tests/check's test phones, sipphone.h, measuring the tone they hear),
 * and the third-party SIP programs they talk to, started on loopback with
 * g_spawn and stopped by PID.
 *
 * A peer program is stopped by the test (SIGTERM, then SIGKILL after a
 * grace time), by an atexit handler when the test process exits without
 * stopping it, and otherwise by gst-check itself: a failing assertion
 * ends the forked test with _exit() (no atexit), and gst-check then
 * SIGKILLs the test's process group, in which the peers stay (never
 * setsid). Temporary directories are made under one directory of the
 * suite (interop_suite_setup()), removed with everything in it by
 * interop_suite_teardown() in gst-check's parent process, failures
 * included. */

#ifndef __PGSM_INTEROP_H__
#define __PGSM_INTEROP_H__

#include <gst/gst.h>
#include <gst/check/gstcheck.h>
#include "sipphone.h"

G_BEGIN_DECLS
/* Every wait of the interop suites is bounded by this (seconds) */
#define INTEROP_WAIT_S 15
/* ---- programs ----------------------------------------------------------- */
    typedef struct
{
  gchar *name;                  /* for messages */
  gchar *log_file;              /* its stdout and stderr */
  GPid pid;                     /* 0 once stopped */
  gint exit_status;             /* -1 while running or when killed */
} InteropProcess;

/* The full path of @program when it is installed, else NULL */
gchar *interop_find_program (const gchar * program);

/* Starts @argv (argv[0] searched in PATH) with stdout and stderr written
 * to @log_file (truncated), stdin from /dev/null and the test's
 * environment plus @env (NULL-terminated "NAME=value" strings, or NULL);
 * fails the test when it cannot start. The process is registered for the
 * atexit clean-up. */
InteropProcess *interop_process_start (const gchar * name,
    const gchar * const *argv, const gchar * const *env,
    const gchar * log_file);

/* TRUE while the process runs (reaps it when it ended) */
gboolean interop_process_running (InteropProcess * proc);

/* SIGTERM, up to @grace_ms for it to exit, then SIGKILL; returns TRUE when
 * it exited by itself within the grace time. Safe to call twice. */
gboolean interop_process_stop (InteropProcess * proc, guint grace_ms);

void interop_process_free (InteropProcess * proc);

/* The first line of @proc's log containing @needle (NULL when none yet),
 * newly allocated */
gchar *interop_process_log_find (InteropProcess * proc, const gchar * needle);

/* Waits up to @seconds for a line containing @needle in the log */
gboolean interop_process_wait_log (InteropProcess * proc,
    const gchar * needle, guint seconds);

/* Unchecked fixture of a suite (gst-check's parent process): makes the
 * directory under which interop_tmp_dir_new() works, and removes it with
 * whatever a failed test left there */
void interop_suite_setup (void);
void interop_suite_teardown (void);

/* A new temporary directory @prefix-XXXXXX (under the suite's directory
 * when there is one; fails the test when it cannot be made), removed with
 * the files in it by interop_tmp_dir_remove() or at exit */
gchar *interop_tmp_dir_new (const gchar * prefix);

/* Removes the files of @dir (one level) and @dir; FALSE when something
 * stayed */
gboolean interop_tmp_dir_remove (const gchar * dir);

/* ---- loopback ports ----------------------------------------------------- */

/* A TCP port of 127.0.0.1 that was free a moment ago */
guint interop_free_tcp_port (void);

/* A port P such that TCP and UDP P and TCP P + 1 were free a moment ago
 * (baresip: SIP on P, SIP/TLS on P + 1) */
guint interop_free_port_pair (void);

/* Waits up to @seconds until 127.0.0.1:@port accepts a TCP connection
 * while @proc runs */
gboolean interop_wait_accepting (InteropProcess * proc, guint port,
    guint seconds);

/* ---- pgsmsipbin phones -------------------------------------------------- */

/* The phones of the interop suites are tests/check's test phones
 * (sipphone.h; pgsm_test_phone_* for the rest): a 0.5-volume tone of
 * @freq Hz in, the samples out, the pipeline named @name and left in NULL
 * for the test to set the bin up. Their waits are bounded by
 * INTEROP_WAIT_S, and their failure messages say which peer is no longer
 * running (or logged a crash) and where its log is. */
PgsmTestPhone *interop_phone_new (const gchar * name, gdouble freq);

/* ---- running a suite ---------------------------------------------------- */

/* For a test that met a known limitation of a peer (or a known bug) and
 * checked everything up to it: records @reason (printf format). Once the
 * suite has passed, interop_run_suite() prints "SKIP: <reason>" and the
 * program exits 77, which meson reports as SKIP. The test runs in a child
 * process of gst-check: the note goes through a file. */
void
interop_note_skip (const gchar * format, ...)
G_GNUC_PRINTF (1, 2);

/* gst_check_run_suite() with the above: 0 (passed), 77 (passed up to a
 * noted limitation) or the failure count */
     int interop_run_suite (Suite * suite, const gchar * name,
    const gchar * file);

/* ---- WAV files --------------------------------------------------------- */

/* Reads the first channel of a 16-bit PCM WAV file (RIFF "fmt " and
 * "data" chunks; a data size of 0 or past the end, as a recorder that was
 * killed leaves it, means "up to the end of the file"). Returns NULL with
 * @error set when the file is not such a WAV. */
     GArray *interop_read_wav (const gchar * path, guint * rate,
    guint * channels, GError ** error);

G_END_DECLS
#endif /* __PGSM_INTEROP_H__ */
