/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* sipp behind stunnel4 for the tests (see sipppeer.h) */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "sipppeer.h"

#include <signal.h>
#include <sys/wait.h>
#include <gio/gio.h>
#include <glib/gstdio.h>

gboolean
pgsm_sipp_available (void)
{
  gchar *sipp = g_find_program_in_path ("sipp");
  gchar *stunnel = g_find_program_in_path ("stunnel4");
  gboolean ok = sipp != NULL && stunnel != NULL;

  g_free (sipp);
  g_free (stunnel);
  if (!ok)
    g_warning ("sipp or stunnel4 not installed: skipping");
  return ok;
}

/* A TCP port that was free a moment ago */
static guint
free_tcp_port (void)
{
  GSocketListener *l = g_socket_listener_new ();
  guint16 port = g_socket_listener_add_any_inet_port (l, NULL, NULL);

  g_socket_listener_close (l);
  g_object_unref (l);
  return port;
}

static gboolean
port_accepts (guint port)
{
  GSocketClient *c = g_socket_client_new ();
  GSocketConnection *conn;

  conn = g_socket_client_connect_to_host (c, "127.0.0.1", port, NULL, NULL);
  g_object_unref (c);
  if (conn == NULL)
    return FALSE;
  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
  g_object_unref (conn);
  return TRUE;
}

static GPid
spawn (GPtrArray * argv)
{
  GError *err = NULL;
  GPid pid = 0;

  g_ptr_array_add (argv, NULL);
  if (!g_spawn_async (NULL, (gchar **) argv->pdata, NULL,
          G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_SEARCH_PATH |
          G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
          &pid, &err))
    g_error ("cannot start %s: %s", (gchar *) argv->pdata[0], err->message);
  g_ptr_array_unref (argv);
  return pid;
}

static void
stop_pid (GPid * pid)
{
  if (*pid <= 0)
    return;
  kill (*pid, SIGTERM);
  waitpid (*pid, NULL, 0);
  g_spawn_close_pid (*pid);
  *pid = 0;
}

static void
start_stunnel (PgsmSippPeer * peer, const gchar * conf)
{
  gchar *conf_file = g_build_filename (peer->dir, "stunnel.conf", NULL);
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);

  if (!g_file_set_contents (conf_file, conf, -1, NULL))
    g_error ("cannot write %s", conf_file);
  g_ptr_array_add (argv, g_strdup ("stunnel4"));
  g_ptr_array_add (argv, conf_file);
  peer->stunnel = spawn (argv);
}

static void
wait_accepting (guint port)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!port_accepts (port) && g_get_monotonic_time () < deadline)
    g_usleep (50 * 1000);
  if (!port_accepts (port))
    g_error ("stunnel does not accept on %u", port);
}

/* sipp -sf tests/sipp/SCENARIO -t t1 -i 127.0.0.1 -m 1 ... -key ... */
static GPtrArray *
sipp_argv (const gchar * scenario, const gchar * const *keys,
    const gchar * extra_key, guint extra_value)
{
  GPtrArray *argv = g_ptr_array_new_with_free_func (g_free);
  guint i;

  g_ptr_array_add (argv, g_strdup ("sipp"));
  g_ptr_array_add (argv, g_strdup ("-sf"));
  g_ptr_array_add (argv, g_build_filename (TEST_SOURCE_DIR, "..", "sipp",
          scenario, NULL));
  g_ptr_array_add (argv, g_strdup ("-t"));
  g_ptr_array_add (argv, g_strdup ("t1"));
  g_ptr_array_add (argv, g_strdup ("-i"));
  g_ptr_array_add (argv, g_strdup ("127.0.0.1"));
  g_ptr_array_add (argv, g_strdup ("-m"));
  g_ptr_array_add (argv, g_strdup ("1"));
  g_ptr_array_add (argv, g_strdup ("-timeout"));
  g_ptr_array_add (argv, g_strdup ("60s"));
  g_ptr_array_add (argv, g_strdup ("-nostdin"));
  g_ptr_array_add (argv, g_strdup ("-key"));
  g_ptr_array_add (argv, g_strdup (extra_key));
  g_ptr_array_add (argv, g_strdup_printf ("%u", extra_value));
  for (i = 0; keys != NULL && keys[i] != NULL && keys[i + 1] != NULL; i += 2) {
    g_ptr_array_add (argv, g_strdup ("-key"));
    g_ptr_array_add (argv, g_strdup (keys[i]));
    g_ptr_array_add (argv, g_strdup (keys[i + 1]));
  }
  return argv;
}

void
pgsm_sipp_peer_reserve (PgsmSippPeer * peer)
{
  if (peer->dir != NULL)
    return;
  peer->dir = g_dir_make_tmp ("pgsm-sipp-XXXXXX", NULL);
  peer->tls_port = free_tcp_port ();
  peer->tcp_port = free_tcp_port ();
}

void
pgsm_sipp_peer_start_uas (PgsmSippPeer * peer, PgsmTestPki * pki,
    const gchar * scenario, const gchar * const *keys)
{
  PgsmTestCert *cert;
  GPtrArray *argv;
  gchar *conf;

  pgsm_sipp_peer_reserve (peer);
  argv = sipp_argv (scenario, keys, "tlsport", peer->tls_port);
  g_ptr_array_add (argv, g_strdup ("-p"));
  g_ptr_array_add (argv, g_strdup_printf ("%u", peer->tcp_port));
  peer->sipp = spawn (argv);

  cert = pgsm_test_pki_issue_server (pki, "sipp-peer", "127.0.0.1");
  conf = g_strdup_printf ("foreground = yes\npid =\ndebug = 3\n"
      "[sip]\naccept = 127.0.0.1:%u\nconnect = 127.0.0.1:%u\n"
      "cert = %s\nkey = %s\n", peer->tls_port, peer->tcp_port,
      cert->chain_file, cert->key_file);
  start_stunnel (peer, conf);
  g_free (conf);
  pgsm_test_cert_free (cert);
  wait_accepting (peer->tls_port);
}

void
pgsm_sipp_peer_start_uac (PgsmSippPeer * peer, const gchar * scenario,
    guint target_port, const gchar * const *keys)
{
  GPtrArray *argv;
  gchar *conf, *remote;

  pgsm_sipp_peer_reserve (peer);
  /* sipp talks TCP to stunnel, which opens TLS to our bin (no check of our
   * certificate: the bin is what is under test here) */
  conf = g_strdup_printf ("foreground = yes\npid =\ndebug = 3\n"
      "[sip]\nclient = yes\naccept = 127.0.0.1:%u\n"
      "connect = 127.0.0.1:%u\n", peer->tcp_port, target_port);
  start_stunnel (peer, conf);
  g_free (conf);
  wait_accepting (peer->tcp_port);

  remote = g_strdup_printf ("127.0.0.1:%u", peer->tcp_port);
  argv = sipp_argv (scenario, keys, "target_port", target_port);
  g_ptr_array_insert (argv, 1, remote);
  peer->sipp = spawn (argv);
}

gint
pgsm_sipp_peer_wait (PgsmSippPeer * peer, guint seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;
  int status;

  while (peer->sipp > 0 && g_get_monotonic_time () < deadline) {
    if (waitpid (peer->sipp, &status, WNOHANG) == peer->sipp) {
      g_spawn_close_pid (peer->sipp);
      peer->sipp = 0;
      return WIFEXITED (status) ? WEXITSTATUS (status) : 128;
    }
    g_usleep (50 * 1000);
  }
  return -1;
}

void
pgsm_sipp_peer_stop (PgsmSippPeer * peer)
{
  stop_pid (&peer->stunnel);
  stop_pid (&peer->sipp);
}

void
pgsm_sipp_peer_clear (PgsmSippPeer * peer)
{
  pgsm_sipp_peer_stop (peer);
  if (peer->dir != NULL) {
    gchar *conf = g_build_filename (peer->dir, "stunnel.conf", NULL);

    g_unlink (conf);
    g_free (conf);
    g_rmdir (peer->dir);
  }
  g_clear_pointer (&peer->dir, g_free);
}
