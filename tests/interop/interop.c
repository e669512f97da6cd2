/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* Shared parts of the interop suites (see interop.h) */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "interop.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gst/check/gstcheck.h>

/* ---- programs ----------------------------------------------------------- */

/* Peers still running, for the atexit clean-up */
static GMutex procs_lock;
static GList *procs;

/* Temporary directories not removed yet, for the atexit clean-up */
static GList *tmp_dirs;

static gboolean remove_dir (const gchar * dir);

static void
kill_leftovers (void)
{
  GList *l;

  g_mutex_lock (&procs_lock);
  for (l = procs; l != NULL; l = l->next) {
    InteropProcess *proc = l->data;

    if (proc->pid > 0) {
      kill (proc->pid, SIGTERM);
      /* kamailio and baresip stop within ~100 ms on SIGTERM; give them
       * a second to take their children along, then insist */
      for (guint i = 0; i < 20; i++) {
        if (waitpid (proc->pid, NULL, WNOHANG) == proc->pid) {
          proc->pid = 0;
          break;
        }
        g_usleep (50 * 1000);
      }
      if (proc->pid > 0) {
        kill (proc->pid, SIGKILL);
        waitpid (proc->pid, NULL, 0);
        proc->pid = 0;
      }
    }
  }
  for (l = tmp_dirs; l != NULL; l = l->next)
    remove_dir (l->data);
  g_mutex_unlock (&procs_lock);
}

static void
register_atexit (void)
{
  static gsize atexit_once = 0;

  if (g_once_init_enter (&atexit_once)) {
    atexit (kill_leftovers);
    g_once_init_leave (&atexit_once, 1);
  }
}

static gboolean
remove_dir (const gchar * dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const gchar *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
    g_autofree gchar *path = g_build_filename (dir, name, NULL);

    g_unlink (path);
  }
  if (d != NULL)
    g_dir_close (d);
  return g_rmdir (dir) == 0 || !g_file_test (dir, G_FILE_TEST_EXISTS);
}

#define SUITE_DIR_ENV "PGSM_INTEROP_TMPDIR"

void
interop_suite_setup (void)
{
  g_autofree gchar *dir = g_dir_make_tmp ("pgsm-interop-XXXXXX", NULL);

  fail_unless (dir != NULL, "cannot make a temporary directory");
  /* the forked tests inherit it */
  g_setenv (SUITE_DIR_ENV, dir, TRUE);
}

void
interop_suite_teardown (void)
{
  const gchar *dir = g_getenv (SUITE_DIR_ENV);
  GDir *d;
  const gchar *name;

  if (dir == NULL)
    return;
  /* the directories of the tests, then the suite's */
  d = g_dir_open (dir, 0, NULL);
  while (d != NULL && (name = g_dir_read_name (d)) != NULL) {
    g_autofree gchar *path = g_build_filename (dir, name, NULL);

    if (g_file_test (path, G_FILE_TEST_IS_DIR))
      remove_dir (path);
    else
      g_unlink (path);
  }
  if (d != NULL)
    g_dir_close (d);
  g_rmdir (dir);
  g_unsetenv (SUITE_DIR_ENV);
}

gchar *
interop_tmp_dir_new (const gchar * prefix)
{
  const gchar *base = g_getenv (SUITE_DIR_ENV);
  g_autofree gchar *tmpl = g_strdup_printf ("%s/%s-XXXXXX",
      base != NULL ? base : g_get_tmp_dir (), prefix);
  gchar *dir = g_mkdtemp (g_strdup (tmpl));

  fail_unless (dir != NULL, "cannot make a temporary directory");
  register_atexit ();
  g_mutex_lock (&procs_lock);
  tmp_dirs = g_list_prepend (tmp_dirs, g_strdup (dir));
  g_mutex_unlock (&procs_lock);
  return dir;
}

gboolean
interop_tmp_dir_remove (const gchar * dir)
{
  GList *l;
  gboolean ok = remove_dir (dir);

  g_mutex_lock (&procs_lock);
  l = g_list_find_custom (tmp_dirs, dir, (GCompareFunc) g_strcmp0);
  if (l != NULL) {
    g_free (l->data);
    tmp_dirs = g_list_delete_link (tmp_dirs, l);
  }
  g_mutex_unlock (&procs_lock);
  return ok;
}

/* For failure messages: which peer is no longer running, or logged a
 * crash of one of its processes (kamailio goes on for a moment after a
 * worker died) */
static gchar *
peers_status (void)
{
  GString *out = g_string_new (NULL);
  GList *l;

  g_mutex_lock (&procs_lock);
  for (l = procs; l != NULL; l = l->next) {
    InteropProcess *proc = l->data;
    g_autofree gchar *crash = NULL;

    siginfo_t info = { 0, };

    crash = interop_process_log_find (proc, "exited by a signal");
    /* WNOWAIT: look without reaping, interop_process_stop() still will */
    if (crash == NULL && proc->pid > 0
        && waitid (P_PID, proc->pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0
        && info.si_pid == 0)
      continue;
    g_string_append_printf (out, "; %s %s (log %s)", proc->name,
        crash != NULL ? "crashed" : "is not running", proc->log_file);
  }
  g_mutex_unlock (&procs_lock);
  return g_string_free (out, FALSE);
}

gchar *
interop_find_program (const gchar * program)
{
  return g_find_program_in_path (program);
}

InteropProcess *
interop_process_start (const gchar * name, const gchar * const *argv,
    const gchar * const *env, const gchar * log_file)
{
  InteropProcess *proc = g_new0 (InteropProcess, 1);
  g_auto (GStrv) envp = g_get_environ ();
  GError *err = NULL;
  gint out_fd, null_fd;
  gboolean ok;
  guint i;

  register_atexit ();
  for (i = 0; env != NULL && env[i] != NULL; i++) {
    g_auto (GStrv) kv = g_strsplit (env[i], "=", 2);

    envp = g_environ_setenv (envp, kv[0], kv[1] != NULL ? kv[1] : "", TRUE);
  }
  proc->name = g_strdup (name);
  proc->log_file = g_strdup (log_file);
  proc->exit_status = -1;
  out_fd = open (log_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  fail_unless (out_fd >= 0, "cannot write %s: %s", log_file,
      g_strerror (errno));
  null_fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
  fail_unless (null_fd >= 0);
  ok = g_spawn_async_with_fds (NULL, (gchar **) argv, envp,
      G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH, NULL, NULL,
      &proc->pid, null_fd, out_fd, out_fd, &err);
  close (out_fd);
  close (null_fd);
  fail_unless (ok, "cannot start %s: %s", argv[0], err ? err->message : "");
  GST_INFO ("started %s, pid %d, log %s", name, (gint) proc->pid, log_file);
  g_mutex_lock (&procs_lock);
  procs = g_list_prepend (procs, proc);
  g_mutex_unlock (&procs_lock);
  return proc;
}

gboolean
interop_process_running (InteropProcess * proc)
{
  int status;

  if (proc->pid <= 0)
    return FALSE;
  if (waitpid (proc->pid, &status, WNOHANG) == proc->pid) {
    proc->exit_status = WIFEXITED (status) ? WEXITSTATUS (status) : -1;
    GST_INFO ("%s (pid %d) ended by itself, status %d", proc->name,
        (gint) proc->pid, proc->exit_status);
    g_spawn_close_pid (proc->pid);
    proc->pid = 0;
    return FALSE;
  }
  return TRUE;
}

gboolean
interop_process_stop (InteropProcess * proc, guint grace_ms)
{
  gint64 deadline = g_get_monotonic_time () + grace_ms * (gint64) 1000;
  int status;

  if (!interop_process_running (proc))
    return TRUE;
  kill (proc->pid, SIGTERM);
  while (g_get_monotonic_time () < deadline) {
    if (waitpid (proc->pid, &status, WNOHANG) == proc->pid) {
      proc->exit_status = WIFEXITED (status) ? WEXITSTATUS (status) : -1;
      g_spawn_close_pid (proc->pid);
      proc->pid = 0;
      return TRUE;
    }
    g_usleep (20 * 1000);
  }
  GST_WARNING ("%s (pid %d) ignored SIGTERM for %u ms: SIGKILL", proc->name,
      (gint) proc->pid, grace_ms);
  kill (proc->pid, SIGKILL);
  waitpid (proc->pid, NULL, 0);
  g_spawn_close_pid (proc->pid);
  proc->pid = 0;
  return FALSE;
}

void
interop_process_free (InteropProcess * proc)
{
  if (proc == NULL)
    return;
  interop_process_stop (proc, 3000);
  g_mutex_lock (&procs_lock);
  procs = g_list_remove (procs, proc);
  g_mutex_unlock (&procs_lock);
  g_free (proc->name);
  g_free (proc->log_file);
  g_free (proc);
}

gchar *
interop_process_log_find (InteropProcess * proc, const gchar * needle)
{
  g_autofree gchar *text = NULL;
  const gchar *hit, *start, *end;

  if (!g_file_get_contents (proc->log_file, &text, NULL, NULL))
    return NULL;
  hit = strstr (text, needle);
  if (hit == NULL)
    return NULL;
  for (start = hit; start > text && start[-1] != '\n'; start--);
  end = strchr (hit, '\n');
  return g_strndup (start, end != NULL ? (gsize) (end - start) :
      strlen (start));
}

gboolean
interop_process_wait_log (InteropProcess * proc, const gchar * needle,
    guint seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  do {
    g_autofree gchar *line = interop_process_log_find (proc, needle);

    if (line != NULL)
      return TRUE;
    g_usleep (50 * 1000);
  } while (g_get_monotonic_time () < deadline);
  return FALSE;
}

/* ---- loopback ports ----------------------------------------------------- */

/* Binds 127.0.0.1:@port (0: any) with @type; returns the bound port, or 0
 * when it is taken. The socket is closed at once. */
static guint
try_bind (guint port, GSocketType type)
{
  GInetAddress *lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  GSocketAddress *sa = g_inet_socket_address_new (lo, port);
  GSocket *sock = g_socket_new (G_SOCKET_FAMILY_IPV4, type,
      G_SOCKET_PROTOCOL_DEFAULT, NULL);
  guint bound = 0;

  if (sock != NULL && g_socket_bind (sock, sa, FALSE, NULL)) {
    GSocketAddress *local = g_socket_get_local_address (sock, NULL);

    bound = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
    g_object_unref (local);
  }
  g_clear_object (&sock);
  g_object_unref (sa);
  g_object_unref (lo);
  return bound;
}

guint
interop_free_tcp_port (void)
{
  guint port = try_bind (0, G_SOCKET_TYPE_STREAM);

  fail_unless (port != 0, "no free TCP port on 127.0.0.1");
  return port;
}

guint
interop_free_port_pair (void)
{
  guint attempt;

  for (attempt = 0; attempt < 50; attempt++) {
    guint port = try_bind (0, G_SOCKET_TYPE_STREAM);

    if (port == 0 || port >= 65535)
      continue;
    if (try_bind (port, G_SOCKET_TYPE_DATAGRAM) == port
        && try_bind (port + 1, G_SOCKET_TYPE_STREAM) == port + 1)
      return port;
  }
  fail ("no free port pair on 127.0.0.1");
  return 0;
}

static gboolean
port_accepts (guint port)
{
  GSocketClient *c = g_socket_client_new ();
  GSocketConnection *conn;

  g_socket_client_set_timeout (c, 1);
  conn = g_socket_client_connect_to_host (c, "127.0.0.1", port, NULL, NULL);
  g_object_unref (c);
  if (conn == NULL)
    return FALSE;
  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
  g_object_unref (conn);
  return TRUE;
}

gboolean
interop_wait_accepting (InteropProcess * proc, guint port, guint seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline) {
    if (port_accepts (port))
      return TRUE;
    if (!interop_process_running (proc))
      return FALSE;
    g_usleep (50 * 1000);
  }
  return FALSE;
}

/* ---- pgsmsipbin phones -------------------------------------------------- */

static gchar *
peers_status_note (PgsmTestPhone * phone, gpointer data)
{
  return peers_status ();
}

PgsmTestPhone *
interop_phone_new (const gchar * name, gdouble freq)
{
  PgsmTestPhone *phone = pgsm_test_phone_new (name, freq, 0.5);

  phone->wait_s = INTEROP_WAIT_S;
  phone->failure_note = peers_status_note;
  return phone;
}

/* ---- running a suite ---------------------------------------------------- */

#define SKIP_FILE_ENV "PGSM_INTEROP_SKIP_FILE"

void
interop_note_skip (const gchar * format, ...)
{
  const gchar *path = g_getenv (SKIP_FILE_ENV);
  g_autofree gchar *reason = NULL, *old = NULL, *all = NULL;
  va_list args;

  fail_unless (path != NULL, "interop_note_skip outside interop_run_suite");
  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);
  GST_INFO ("noted for SKIP: %s", reason);
  g_file_get_contents (path, &old, NULL, NULL);
  all = g_strconcat (old != NULL ? old : "", old != NULL ? "\nSKIP: " : "",
      reason, NULL);
  fail_unless (g_file_set_contents (path, all, -1, NULL));
}

int
interop_run_suite (Suite * suite, const gchar * name, const gchar * file)
{
  g_autofree gchar *path = g_strdup_printf ("%s/pgsm-interop-%d.skip",
      g_get_tmp_dir (), (gint) getpid ());
  g_autofree gchar *reason = NULL;
  int ret;

  g_setenv (SKIP_FILE_ENV, path, TRUE);
  g_unlink (path);
  ret = gst_check_run_suite (suite, name, file);
  if (g_file_get_contents (path, &reason, NULL, NULL)) {
    g_unlink (path);
    if (ret == 0) {
      g_print ("SKIP: %s\n", reason);
      return 77;
    }
  }
  return ret;
}

/* ---- WAV files --------------------------------------------------------- */

GArray *
interop_read_wav (const gchar * path, guint * rate, guint * channels,
    GError ** error)
{
  g_autofree guint8 *data = NULL;
  gsize len, pos = 12;
  guint16 fmt_tag = 0, bits = 0;
  GArray *out;

  *rate = 0;
  *channels = 0;
  if (!g_file_get_contents (path, (gchar **) & data, &len, error))
    return NULL;
  if (len < 12 || memcmp (data, "RIFF", 4) != 0
      || memcmp (data + 8, "WAVE", 4) != 0) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: not RIFF/WAVE",
        path);
    return NULL;
  }
  while (pos + 8 <= len) {
    const guint8 *chunk = data + pos;
    gsize size = GST_READ_UINT32_LE (chunk + 4);

    if (memcmp (chunk, "fmt ", 4) == 0 && size >= 16 && pos + 24 <= len) {
      fmt_tag = GST_READ_UINT16_LE (chunk + 8);
      *channels = GST_READ_UINT16_LE (chunk + 10);
      *rate = GST_READ_UINT32_LE (chunk + 12);
      bits = GST_READ_UINT16_LE (chunk + 22);
    } else if (memcmp (chunk, "data", 4) == 0) {
      gsize i, frames;

      if (fmt_tag != 1 || bits != 16 || *channels == 0) {
        g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
            "%s: not 16-bit PCM (format %u, %u bits, %u channels)", path,
            fmt_tag, bits, *channels);
        return NULL;
      }
      /* a recorder that did not close its file leaves the size at 0 */
      if (size == 0 || pos + 8 + size > len)
        size = len - pos - 8;
      frames = size / (2 * *channels);
      out = g_array_sized_new (FALSE, FALSE, sizeof (gint16), frames);
      for (i = 0; i < frames; i++) {
        gint16 v = GST_READ_UINT16_LE (chunk + 8 + i * 2 * *channels);

        g_array_append_val (out, v);
      }
      return out;
    }
    pos += 8 + size + (size & 1);
  }
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: no data chunk",
      path);
  return NULL;
}
