/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "tlsserver.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <glib-unix.h>

/* Longest wait of one I/O step; freeing the server interrupts it anyway */
#define STEP_TIMEOUT_MS 10000

struct _PgsmTestTlsServer
{
  PgsmTestTlsServerOptions options;
  gchar *chain_file;
  gchar *key_file;
  gchar *priority;
  GBytes *payload;

  gnutls_certificate_credentials_t credentials;
  int listen_fd;
  int wake_fds[2];              /* writing to [1] stops the thread */
  guint16 port;
  GThread *thread;

  /* Server thread only */
  int conn_fd;

  GMutex lock;
  GCond cond;
  guint connections;            /* protected by lock */
  guint handshakes;             /* protected by lock */
  guint served;                 /* protected by lock */
  gboolean client_cert;         /* protected by lock */
};

/* Waits for @events on @fd. Returns 1 when ready, 0 after @timeout_ms
 * (-1: no limit), -1 when the server is being freed. */
static int
wait_fd (PgsmTestTlsServer * s, int fd, short events, int timeout_ms)
{
  struct pollfd fds[2];
  int ret;

  fds[0].fd = fd;
  fds[0].events = events;
  fds[1].fd = s->wake_fds[0];
  fds[1].events = POLLIN;
  do {
    fds[0].revents = fds[1].revents = 0;
    ret = poll (fds, 2, timeout_ms);
  } while (ret < 0 && errno == EINTR);

  if (ret < 0 || fds[1].revents)
    return -1;
  if (ret == 0)
    return 0;
  return 1;
}

static ssize_t
push_cb (gnutls_transport_ptr_t ptr, const void *data, size_t len)
{
  PgsmTestTlsServer *s = ptr;
  ssize_t n;

  for (;;) {
    n = send (s->conn_fd, data, len, MSG_NOSIGNAL);
    if (n >= 0 || (errno != EAGAIN && errno != EINTR))
      return n;
    if (wait_fd (s, s->conn_fd, POLLOUT, STEP_TIMEOUT_MS) <= 0) {
      errno = EIO;
      return -1;
    }
  }
}

static ssize_t
pull_cb (gnutls_transport_ptr_t ptr, void *data, size_t len)
{
  PgsmTestTlsServer *s = ptr;
  ssize_t n;

  for (;;) {
    n = recv (s->conn_fd, data, len, 0);
    if (n >= 0 || (errno != EAGAIN && errno != EINTR))
      return n;
    if (wait_fd (s, s->conn_fd, POLLIN, STEP_TIMEOUT_MS) <= 0) {
      errno = EIO;
      return -1;
    }
  }
}

static int
pull_timeout_cb (gnutls_transport_ptr_t ptr, unsigned int ms)
{
  PgsmTestTlsServer *s = ptr;
  int ret;

  if (ms == GNUTLS_INDEFINITE_TIMEOUT || ms > STEP_TIMEOUT_MS)
    ms = STEP_TIMEOUT_MS;
  ret = wait_fd (s, s->conn_fd, POLLIN, ms);
  if (ret < 0)
    errno = EIO;
  return ret;
}

/* Reads and drops what the client sends until it closes, the step timeout
 * passes or the server is freed. Ending this way (rather than closing with
 * unread data, which sends a TCP RST) lets the client read everything. */
static void
drain (PgsmTestTlsServer * s)
{
  gchar buf[4096];

  for (;;) {
    ssize_t n = recv (s->conn_fd, buf, sizeof (buf), 0);

    if (n == 0)
      return;
    if (n < 0 && errno != EAGAIN && errno != EINTR)
      return;
    if (n < 0 && wait_fd (s, s->conn_fd, POLLIN, STEP_TIMEOUT_MS) <= 0)
      return;
  }
}

/* STALL: never answer, until the client gives up or the server is freed */
static void
stall (PgsmTestTlsServer * s)
{
  gchar buf[4096];

  for (;;) {
    ssize_t n;

    if (wait_fd (s, s->conn_fd, POLLIN, -1) < 0)
      return;
    n = recv (s->conn_fd, buf, sizeof (buf), 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
      return;
  }
}

static gboolean
send_all (gnutls_session_t session, const guint8 * data, gsize len)
{
  while (len > 0) {
    ssize_t n = gnutls_record_send (session, data, len);

    if (n < 0) {
      if (!gnutls_error_is_fatal (n))
        continue;
      return FALSE;
    }
    data += n;
    len -= n;
  }
  return TRUE;
}

static void
serve_tls (PgsmTestTlsServer * s)
{
  gnutls_session_t session;
  gsize len = 0;
  const guint8 *data = s->payload ? g_bytes_get_data (s->payload, &len) : NULL;
  unsigned int n_certs = 0;
  int ret;

  if (gnutls_init (&session, GNUTLS_SERVER) < 0)
    return;
  if (gnutls_priority_set_direct (session, s->priority, NULL) < 0 ||
      gnutls_credentials_set (session, GNUTLS_CRD_CERTIFICATE,
          s->credentials) < 0)
    goto out;
  if (s->options.request_client_cert)
    gnutls_certificate_server_set_request (session, GNUTLS_CERT_REQUEST);
  gnutls_transport_set_ptr (session, s);
  gnutls_transport_set_push_function (session, push_cb);
  gnutls_transport_set_pull_function (session, pull_cb);
  gnutls_transport_set_pull_timeout_function (session, pull_timeout_cb);
  gnutls_handshake_set_timeout (session, STEP_TIMEOUT_MS);

  do {
    ret = gnutls_handshake (session);
  } while (ret < 0 && !gnutls_error_is_fatal (ret));
  if (ret < 0) {
    g_debug ("test TLS server: handshake failed: %s", gnutls_strerror (ret));
    goto out;
  }

  g_mutex_lock (&s->lock);
  s->handshakes++;
  s->client_cert = gnutls_certificate_get_peers (session, &n_certs) != NULL
      && n_certs > 0;
  g_cond_broadcast (&s->cond);
  g_mutex_unlock (&s->lock);

  if (s->options.mode == PGSM_TEST_TLS_SERVER_HANDLER && s->options.handler)
    s->options.handler (s, session, s->options.user_data);
  else if (data && !send_all (session, data, len))
    goto out;

  if (s->options.mode != PGSM_TEST_TLS_SERVER_TRUNCATE)
    gnutls_bye (session, GNUTLS_SHUT_WR);
  /* TRUNCATE: the FIN below arrives without close_notify */
  shutdown (s->conn_fd, SHUT_WR);
  drain (s);

  g_mutex_lock (&s->lock);
  s->served++;
  g_cond_broadcast (&s->cond);
  g_mutex_unlock (&s->lock);

out:
  gnutls_deinit (session);
}

static gpointer
server_thread (gpointer user_data)
{
  PgsmTestTlsServer *s = user_data;

  for (;;) {
    int fd, one = 1;

    if (wait_fd (s, s->listen_fd, POLLIN, -1) < 0)
      break;
    fd = accept (s->listen_fd, NULL, NULL);
    if (fd < 0)
      continue;
    fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) | O_NONBLOCK);
    /* No Nagle: a handshake flight is several small writes */
    setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof (one));
    s->conn_fd = fd;

    g_mutex_lock (&s->lock);
    s->connections++;
    g_cond_broadcast (&s->cond);
    g_mutex_unlock (&s->lock);

    if (s->options.mode == PGSM_TEST_TLS_SERVER_STALL)
      stall (s);
    else
      serve_tls (s);

    close (fd);
    s->conn_fd = -1;
  }
  return NULL;
}

static void
listen_on (PgsmTestTlsServer * s, const gchar * address)
{
  struct sockaddr_storage ss;
  socklen_t sslen;
  int family = strchr (address, ':') ? AF_INET6 : AF_INET;

  memset (&ss, 0, sizeof (ss));
  if (family == AF_INET6) {
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *) &ss;

    sin6->sin6_family = AF_INET6;
    g_assert_cmpint (inet_pton (AF_INET6, address, &sin6->sin6_addr), ==, 1);
    sslen = sizeof (*sin6);
  } else {
    struct sockaddr_in *sin = (struct sockaddr_in *) &ss;

    sin->sin_family = AF_INET;
    g_assert_cmpint (inet_pton (AF_INET, address, &sin->sin_addr), ==, 1);
    sslen = sizeof (*sin);
  }

  s->listen_fd = socket (family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (s->listen_fd, >=, 0);
  g_assert_cmpint (bind (s->listen_fd, (struct sockaddr *) &ss, sslen), ==, 0);
  g_assert_cmpint (listen (s->listen_fd, 16), ==, 0);

  sslen = sizeof (ss);
  g_assert_cmpint (getsockname (s->listen_fd, (struct sockaddr *) &ss,
          &sslen), ==, 0);
  if (family == AF_INET6)
    s->port = ntohs (((struct sockaddr_in6 *) &ss)->sin6_port);
  else
    s->port = ntohs (((struct sockaddr_in *) &ss)->sin_port);
}

PgsmTestTlsServer *
pgsm_test_tls_server_new (const PgsmTestTlsServerOptions * options)
{
  PgsmTestTlsServer *s = g_new0 (PgsmTestTlsServer, 1);
  GError *err = NULL;

  s->options = *options;
  s->chain_file = g_strdup (options->chain_file);
  s->key_file = g_strdup (options->key_file);
  s->priority = g_strdup (options->priority ? options->priority : "NORMAL");
  s->options.chain_file = s->chain_file;
  s->options.key_file = s->key_file;
  s->options.priority = s->priority;
  s->options.address = NULL;
  s->options.payload = NULL;
  if (options->payload)
    s->payload = g_bytes_new (options->payload, options->payload_len);
  s->conn_fd = -1;
  g_mutex_init (&s->lock);
  g_cond_init (&s->cond);

  g_assert_cmpint (gnutls_certificate_allocate_credentials (&s->credentials),
      ==, 0);
  if (options->mode != PGSM_TEST_TLS_SERVER_STALL) {
    g_assert_nonnull (s->chain_file);
    g_assert_nonnull (s->key_file);
    g_assert_cmpint (gnutls_certificate_set_x509_key_file (s->credentials,
            s->chain_file, s->key_file, GNUTLS_X509_FMT_PEM), ==, 0);
  }

  g_assert_true (g_unix_open_pipe (s->wake_fds, FD_CLOEXEC, &err));
  g_assert_no_error (err);
  listen_on (s, options->address ? options->address : "127.0.0.1");
  s->thread = g_thread_new ("pgsm-test-tls-server", server_thread, s);

  return s;
}

void
pgsm_test_tls_server_free (PgsmTestTlsServer * s)
{
  if (s == NULL)
    return;

  /* Wakes every poll() of the thread; it leaves at the next one */
  while (write (s->wake_fds[1], "x", 1) < 0 && errno == EINTR);
  g_thread_join (s->thread);

  close (s->listen_fd);
  close (s->wake_fds[0]);
  close (s->wake_fds[1]);
  gnutls_certificate_free_credentials (s->credentials);
  g_clear_pointer (&s->payload, g_bytes_unref);
  g_free (s->chain_file);
  g_free (s->key_file);
  g_free (s->priority);
  g_mutex_clear (&s->lock);
  g_cond_clear (&s->cond);
  g_free (s);
}

guint16
pgsm_test_tls_server_get_port (PgsmTestTlsServer * s)
{
  return s->port;
}

static guint
get_counter (PgsmTestTlsServer * s, guint * counter)
{
  guint v;

  g_mutex_lock (&s->lock);
  v = *counter;
  g_mutex_unlock (&s->lock);
  return v;
}

guint
pgsm_test_tls_server_get_connections (PgsmTestTlsServer * s)
{
  return get_counter (s, &s->connections);
}

guint
pgsm_test_tls_server_get_handshakes (PgsmTestTlsServer * s)
{
  return get_counter (s, &s->handshakes);
}

guint
pgsm_test_tls_server_get_served (PgsmTestTlsServer * s)
{
  return get_counter (s, &s->served);
}

gboolean
pgsm_test_tls_server_client_sent_certificate (PgsmTestTlsServer * s)
{
  gboolean v;

  g_mutex_lock (&s->lock);
  v = s->client_cert;
  g_mutex_unlock (&s->lock);
  return v;
}

gboolean
pgsm_test_tls_server_wait_connections (PgsmTestTlsServer * s, guint n,
    guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gboolean ok = TRUE;

  g_mutex_lock (&s->lock);
  while (s->connections < n && ok)
    ok = g_cond_wait_until (&s->cond, &s->lock, end);
  ok = s->connections >= n;
  g_mutex_unlock (&s->lock);
  return ok;
}
