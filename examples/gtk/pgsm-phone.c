/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

/* pgsm-phone: a GTK 3 phone around pgsmsipbin.
 *
 *   audio source ! pgsmsipbin ! audio sink
 *
 * The pipeline's bus is watched on the GTK main loop (gst_bus_add_watch), so
 * every message of the bin (pgsm-call states, the certificate ERROR) is
 * handled on the thread that owns the widgets. The bin runs its own SIP
 * thread: nothing here blocks the interface for longer than a state change.
 *
 * A call: Call sets ca-file, use-system-ca and remote-uri on the bin (in
 * NULL) and sets the pipeline to PLAYING, which dials. `ended`, `failed` or
 * an ERROR bring the pipeline back to NULL, ready for the next call.
 *
 * --self-test prints the widget tree (and the dialog's text) to stdout after
 * the first decisive event, optionally saves a screenshot, hangs up or
 * closes the dialog, prints the tree again and quits: see docs/gtk-phone.md.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <string.h>
#include <gtk/gtk.h>
#include <gst/gst.h>
#include <gst/pgsm/pgsm.h>

#define LOCK_ICON "channel-secure-symbolic"
/* the self-test waits this long after an event so that the windows are
 * drawn before the dump and the screenshot */
#define SELF_TEST_SETTLE_MS 600
/* a hang-up that gets no `ended` within this time ends the call locally */
#define HANGUP_GRACE_S 5

typedef enum
{
  STEP_WAIT_EVENT = 0,          /* waiting for secured / dialog / failure */
  STEP_WAIT_END,                /* hung up / dialog closed: waiting for idle */
  STEP_DONE,
} SelfTestStep;

typedef struct
{
  /* options */
  gchar *dial;
  gchar *ca_file;
  gchar *listen_uri;
  gboolean system_ca;
  gboolean test_source;
  gboolean auto_call;
  gboolean self_test;
  gchar *screenshot;
  gint timeout_s;

  /* widgets */
  GtkWidget *window;
  GtkWidget *dial_entry;
  GtkWidget *ca_chooser;
  GtkWidget *system_ca_check;
  GtkWidget *call_button;
  GtkWidget *hangup_button;
  GtkWidget *lock_icon;
  GtkWidget *status_label;
  GtkWidget *dialog;            /* the open message dialog, or NULL */

  /* media */
  GstElement *pipeline;
  GstElement *sipbin;
  guint bus_watch;

  /* the call */
  gboolean in_call;
  gboolean secured;
  gchar *call_id;
  guint hangup_timeout;

  /* self-test */
  SelfTestStep step;
  gchar *event;
  guint settle_source;
  guint timeout_source;
  gint exit_status;
} Phone;

static void call_finished (Phone * phone);
static void self_test_event (Phone * phone, const gchar * event);

/* ---------------------------------------------------------------------- */
/* Status line */

static void
set_status (Phone * phone, const gchar * text)
{
  gtk_label_set_text (GTK_LABEL (phone->status_label), text);
}

static void
set_idle_buttons (Phone * phone, gboolean idle)
{
  gtk_widget_set_sensitive (phone->call_button, idle);
  gtk_widget_set_sensitive (phone->dial_entry, idle);
  gtk_widget_set_sensitive (phone->ca_chooser, idle);
  gtk_widget_set_sensitive (phone->system_ca_check, idle);
  gtk_widget_set_sensitive (phone->hangup_button, !idle);
}

/* "(TLS1.3)-(ECDHE-SECP256R1)-..." -> "TLS1.3" */
static gchar *
tls_version (const gchar * description)
{
  const gchar *end;

  if (description == NULL || description[0] != '(')
    return g_strdup ("TLS version unknown");
  end = strchr (description, ')');
  if (end == NULL)
    return g_strdup ("TLS version unknown");
  return g_strndup (description + 1, end - description - 1);
}

static void
show_secured (Phone * phone, const GstStructure * s)
{
  const gchar *suite = gst_structure_get_string (s, "suite");
  const gchar *codec = gst_structure_get_string (s, "codec");
  const gchar *sha256 = gst_structure_get_string (s,
      "peer-certificate-sha256");
  g_autofree gchar *tls = tls_version (gst_structure_get_string (s,
          "tls-description"));
  g_autofree gchar *text = NULL;
  g_autofree gchar *tip = NULL;

  phone->secured = TRUE;
  text = g_strdup_printf ("secured | %s | %s | %s", suite ? suite : "?",
      tls, codec ? codec : "?");
  set_status (phone, text);
  tip = g_strdup_printf ("Media encrypted with SRTP (%s).\n"
      "Server certificate SHA-256: %s", suite ? suite : "?",
      sha256 ? sha256 : "?");
  gtk_widget_set_tooltip_text (phone->lock_icon, tip);
  gtk_widget_show (phone->lock_icon);
}

/* ---------------------------------------------------------------------- */
/* Bus messages, on the GTK main loop */

static void
handle_call_state (Phone * phone, const GstStructure * s)
{
  const gchar *state = gst_structure_get_string (s, "state");
  const gchar *call_id = gst_structure_get_string (s, "call-id");
  const gchar *reason = gst_structure_get_string (s, "reason");
  guint status = 0;
  g_autofree gchar *text = NULL;

  if (state == NULL || !phone->in_call)
    return;
  if (g_strcmp0 (state, "calling") == 0 && phone->call_id == NULL) {
    phone->call_id = g_strdup (call_id);
    text = g_strdup_printf ("calling %s",
        GST_STR_NULL (gst_structure_get_string (s, "remote-uri")));
    set_status (phone, text);
    return;
  }
  /* another call (an incoming one the bin refuses while we talk) */
  if (g_strcmp0 (call_id, phone->call_id) != 0)
    return;

  gst_structure_get_uint (s, "status", &status);
  if (g_strcmp0 (state, "ringing") == 0) {
    set_status (phone, "ringing");
  } else if (g_strcmp0 (state, "secured") == 0) {
    show_secured (phone, s);
    self_test_event (phone, "secured");
  } else if (g_strcmp0 (state, "established") == 0) {
    /* secured and established come in either order: keep the lock */
    if (!phone->secured)
      set_status (phone, "established");
  } else if (g_strcmp0 (state, "ended") == 0
      || g_strcmp0 (state, "failed") == 0) {
    /* status 0: decided locally (our check, our hang-up), no SIP code */
    if (status != 0)
      text =
          g_strdup_printf ("%s | %u %s", state, status, GST_STR_NULL (reason));
    else
      text = g_strdup_printf ("%s | %s", state, GST_STR_NULL (reason));
    call_finished (phone);
    set_status (phone, text);
    if (g_strcmp0 (state, "failed") == 0)
      self_test_event (phone, "failed");
  }
}

static void
dialog_response_cb (GtkDialog * dialog, gint response, Phone * phone)
{
  gtk_widget_destroy (GTK_WIDGET (dialog));
  phone->dialog = NULL;
}

/* The reasons of the verdict, one sentence per flag */
static void
append_reasons (GString * out, guint flags)
{
  static const struct
  {
    guint flag;
    const gchar *text;
  } reasons[] = {
    {PGSM_CERTIFICATE_UNKNOWN_CA,
        "It was not issued by a certificate authority you trust."},
    {PGSM_CERTIFICATE_BAD_IDENTITY,
        "It is not for the address you dialled."},
    {PGSM_CERTIFICATE_NOT_ACTIVATED, "It is not valid yet."},
    {PGSM_CERTIFICATE_EXPIRED, "It has expired."},
    {PGSM_CERTIFICATE_REVOKED, "It has been revoked."},
    {PGSM_CERTIFICATE_INSECURE_ALGORITHM,
        "It is signed with an insecure algorithm."},
    {PGSM_CERTIFICATE_GENERIC_ERROR, "It could not be verified."},
    {PGSM_CERTIFICATE_SELF_SIGNED, "It is self-signed."},
    {PGSM_CERTIFICATE_NOT_A_CA,
        "An issuer of its chain is not a certificate authority."},
    {PGSM_CERTIFICATE_BAD_PURPOSE,
        "It is not meant for a TLS server."},
    {PGSM_CERTIFICATE_PIN_MISMATCH,
        "It matches none of the pinned fingerprints."},
    {PGSM_CERTIFICATE_WEAK_KEY, "Its key is too short."},
    {PGSM_CERTIFICATE_INSECURE_PROTOCOL,
        "The server offers only TLS versions older than 1.2."},
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (reasons); i++) {
    if (flags & reasons[i].flag)
      g_string_append_printf (out, "%s\n", reasons[i].text);
  }
}

/* GStreamer starts the debug string of an element error with
 * "file(line): function (): /pipeline/path:\n": the reader wants the rest */
static const gchar *
debug_without_origin (const gchar * debug)
{
  const gchar *nl;

  if (debug == NULL)
    return NULL;
  nl = strchr (debug, '\n');
  if (nl != NULL && nl > debug && nl[-1] == ':'
      && g_strstr_len (debug, nl - debug, " (): ") != NULL)
    return nl + 1;
  return debug;
}

static gchar *
certificate_secondary_text (GstMessage * msg, const gchar * debug)
{
  const GstStructure *details = NULL;
  GString *out = g_string_new (NULL);
  guint flags = 0, port = 0;
  const gchar *host = NULL, *nicks = NULL, *sha256 = NULL;

  gst_message_parse_error_details (msg, &details);
  if (details != NULL
      && gst_structure_has_name (details, PGSM_CERTIFICATE_DETAILS_NAME)) {
    gst_structure_get_flags (details, "flags", PGSM_TYPE_CERTIFICATE_FLAGS,
        &flags);
    gst_structure_get_uint (details, "port", &port);
    host = gst_structure_get_string (details, "host");
    nicks = gst_structure_get_string (details, "reasons");
    sha256 = gst_structure_get_string (details, "certificate-sha256");
  }
  g_string_append_printf (out, "The certificate of %s:%u was refused.\n",
      host ? host : "the server", port);
  append_reasons (out, flags);
  if (nicks != NULL)
    g_string_append_printf (out, "Verdict: %s\n", nicks);
  if (sha256 != NULL)
    g_string_append_printf (out, "Certificate SHA-256: %s\n", sha256);
  if (debug != NULL)
    g_string_append_printf (out, "\n%s", debug_without_origin (debug));
  return g_string_free (out, FALSE);
}

static void
show_dialog (Phone * phone, const gchar * title, const gchar * text,
    const gchar * secondary)
{
  if (phone->dialog != NULL)
    gtk_widget_destroy (phone->dialog);
  phone->dialog = gtk_message_dialog_new (GTK_WINDOW (phone->window),
      GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT, GTK_MESSAGE_WARNING,
      GTK_BUTTONS_CLOSE, "%s", text);
  gtk_window_set_title (GTK_WINDOW (phone->dialog), title);
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG
      (phone->dialog), "%s", secondary);
  g_signal_connect (phone->dialog, "response",
      G_CALLBACK (dialog_response_cb), phone);
  gtk_widget_show (phone->dialog);
  if (phone->screenshot != NULL) {
    GdkRectangle r;

    /* Xvfb has no window manager: the dialog would sit exactly over the
     * phone. For the picture, hang it just below the phone's status line
     * so that both show. */
    gdk_window_get_frame_extents (gtk_widget_get_window (phone->window), &r);
    gtk_window_move (GTK_WINDOW (phone->dialog), r.x + 40, r.y + r.height);
  }
}

static void
handle_error (Phone * phone, GstMessage * msg)
{
  g_autoptr (GError) err = NULL;
  g_autofree gchar *debug = NULL;
  g_autofree gchar *secondary = NULL;
  g_autofree gchar *status = NULL;
  gboolean certificate;

  gst_message_parse_error (msg, &err, &debug);
  certificate = g_error_matches (err, PGSM_TLS_ERROR,
      PGSM_TLS_ERROR_CERTIFICATE_NOT_TRUSTED);
  g_printerr ("pgsm-phone: error from %s: %s (%s)\n",
      GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), err->message,
      debug ? debug : "no details");

  call_finished (phone);
  if (certificate) {
    secondary = certificate_secondary_text (msg, debug);
    status = g_strdup ("failed | certificate not trusted");
    show_dialog (phone, "Certificate not trusted", err->message, secondary);
  } else {
    status = g_strdup_printf ("failed | %s", err->message);
    show_dialog (phone, "Call failed", err->message,
        debug ? debug_without_origin (debug) : "");
  }
  set_status (phone, status);
  self_test_event (phone, certificate ? "certificate-warning" : "error");
}

static gboolean
bus_cb (GstBus * bus, GstMessage * msg, gpointer user_data)
{
  Phone *phone = user_data;
  const GstStructure *s;

  switch (GST_MESSAGE_TYPE (msg)) {
    case GST_MESSAGE_ELEMENT:
      s = gst_message_get_structure (msg);
      if (s != NULL && gst_structure_has_name (s, "pgsm-call"))
        handle_call_state (phone, s);
      break;
    case GST_MESSAGE_ERROR:
      /* the pipeline's first error ends the call; later ones of the same
       * call (after NULL the bus is flushed) are not shown twice */
      if (phone->in_call)
        handle_error (phone, msg);
      break;
    case GST_MESSAGE_WARNING:{
      g_autoptr (GError) err = NULL;
      g_autofree gchar *debug = NULL;

      gst_message_parse_warning (msg, &err, &debug);
      g_printerr ("pgsm-phone: warning: %s (%s)\n", err->message,
          debug ? debug : "");
      break;
    }
    default:
      break;
  }
  return G_SOURCE_CONTINUE;
}

/* ---------------------------------------------------------------------- */
/* Call and hang up */

static void
call_finished (Phone * phone)
{
  if (phone->hangup_timeout != 0) {
    g_source_remove (phone->hangup_timeout);
    phone->hangup_timeout = 0;
  }
  /* back to NULL: Sofia shuts down, the sockets close, the bin's
   * properties can be changed again for the next call */
  gst_element_set_state (phone->pipeline, GST_STATE_NULL);
  phone->in_call = FALSE;
  phone->secured = FALSE;
  g_clear_pointer (&phone->call_id, g_free);
  gtk_widget_hide (phone->lock_icon);
  gtk_widget_set_tooltip_text (phone->lock_icon, NULL);
  set_idle_buttons (phone, TRUE);
  if (phone->self_test && phone->step == STEP_WAIT_END)
    self_test_event (phone, "idle");
}

/* The state change failed and the bus said nothing that ended the call:
 * runs after the bus watch (lower priority) */
static gboolean
start_failed_cb (gpointer user_data)
{
  Phone *phone = user_data;

  if (phone->in_call && phone->call_id == NULL) {
    call_finished (phone);
    set_status (phone, "failed | the call could not be started");
    self_test_event (phone, "error");
  }
  return G_SOURCE_REMOVE;
}

static void
call_clicked_cb (GtkButton * button, Phone * phone)
{
  const gchar *uri = gtk_entry_get_text (GTK_ENTRY (phone->dial_entry));
  g_autofree gchar *ca = NULL;
  gboolean system_ca;

  if (phone->in_call)
    return;
  if (!g_str_has_prefix (uri, "sips:")) {
    set_status (phone, "enter a sips: URI (SIP over TLS)");
    self_test_event (phone, "input-refused");
    return;
  }
  ca = gtk_file_chooser_get_filename (GTK_FILE_CHOOSER (phone->ca_chooser));
  system_ca =
      gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (phone->system_ca_check));
  if (ca == NULL && !system_ca) {
    set_status (phone, "choose a CA file or trust the system CAs");
    self_test_event (phone, "input-refused");
    return;
  }

  /* string and security properties change in NULL only */
  g_object_set (phone->sipbin, "ca-file", ca, "use-system-ca", system_ca,
      "remote-uri", uri, NULL);
  if (phone->listen_uri != NULL)
    g_object_set (phone->sipbin, "listen-uri", phone->listen_uri, NULL);

  phone->in_call = TRUE;
  set_idle_buttons (phone, FALSE);
  set_status (phone, "starting");
  if (gst_element_set_state (phone->pipeline, GST_STATE_PLAYING) ==
      GST_STATE_CHANGE_FAILURE)
    g_idle_add_full (G_PRIORITY_LOW, start_failed_cb, phone, NULL);
}

static gboolean
hangup_timeout_cb (gpointer user_data)
{
  Phone *phone = user_data;

  phone->hangup_timeout = 0;
  call_finished (phone);
  set_status (phone, "ended | hung up");
  return G_SOURCE_REMOVE;
}

static void
hangup_clicked_cb (GtkButton * button, Phone * phone)
{
  gboolean ok = FALSE;

  if (!phone->in_call)
    return;
  if (phone->call_id != NULL)
    g_signal_emit_by_name (phone->sipbin, "hangup", phone->call_id, &ok);
  if (!ok) {
    /* no call to hang up yet (or any more): stop here */
    call_finished (phone);
    set_status (phone, "ended | hung up");
    return;
  }
  set_status (phone, "hanging up");
  gtk_widget_set_sensitive (phone->hangup_button, FALSE);
  phone->hangup_timeout = g_timeout_add_seconds (HANGUP_GRACE_S,
      hangup_timeout_cb, phone);
}

/* ---------------------------------------------------------------------- */
/* Self-test: widget tree dump and screenshot */

static void
append_quoted (GString * out, const gchar * key, const gchar * value)
{
  const gchar *p;

  g_string_append_printf (out, " %s=\"", key);
  for (p = value ? value : ""; *p; p++) {
    if (*p == '"' || *p == '\\')
      g_string_append_printf (out, "\\%c", *p);
    else if (*p == '\n')
      g_string_append (out, "\\n");
    else
      g_string_append_c (out, *p);
  }
  g_string_append_c (out, '"');
}

static void dump_widget (GtkWidget * widget, gint depth, GString * out);

static void
dump_child_cb (GtkWidget * child, gpointer user_data)
{
  GPtrArray *children = user_data;

  g_ptr_array_add (children, child);
}

static gboolean
dump_properties (GtkWidget * widget, GString * out)
{
  gboolean leaf = FALSE;

  if (GTK_IS_MESSAGE_DIALOG (widget)) {
    g_autofree gchar *text = NULL;
    g_autofree gchar *secondary = NULL;

    g_object_get (widget, "text", &text, "secondary-text", &secondary, NULL);
    append_quoted (out, "text", text);
    append_quoted (out, "secondary-text", secondary);
  }
  if (GTK_IS_WINDOW (widget)) {
    append_quoted (out, "title", gtk_window_get_title (GTK_WINDOW (widget)));
    g_string_append_printf (out, " modal=%d",
        gtk_window_get_modal (GTK_WINDOW (widget)));
  } else if (GTK_IS_LABEL (widget)) {
    append_quoted (out, "label", gtk_label_get_text (GTK_LABEL (widget)));
  } else if (GTK_IS_ENTRY (widget)) {
    append_quoted (out, "text", gtk_entry_get_text (GTK_ENTRY (widget)));
  } else if (GTK_IS_IMAGE (widget)) {
    const gchar *icon = NULL;

    if (gtk_image_get_storage_type (GTK_IMAGE (widget)) == GTK_IMAGE_ICON_NAME)
      gtk_image_get_icon_name (GTK_IMAGE (widget), &icon, NULL);
    append_quoted (out, "icon-name", icon);
  } else if (GTK_IS_FILE_CHOOSER_BUTTON (widget)) {
    g_autofree gchar *file =
        gtk_file_chooser_get_filename (GTK_FILE_CHOOSER (widget));

    append_quoted (out, "filename", file);
    leaf = TRUE;
  } else if (GTK_IS_BUTTON (widget)) {
    append_quoted (out, "label", gtk_button_get_label (GTK_BUTTON (widget)));
    if (GTK_IS_TOGGLE_BUTTON (widget))
      g_string_append_printf (out, " active=%d",
          gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (widget)));
    leaf = TRUE;
  } else if (GTK_IS_HEADER_BAR (widget)) {
    append_quoted (out, "title",
        gtk_header_bar_get_title (GTK_HEADER_BAR (widget)));
    append_quoted (out, "subtitle",
        gtk_header_bar_get_subtitle (GTK_HEADER_BAR (widget)));
    leaf = TRUE;
  }
  return leaf;
}

/* One line per widget: type, #name when set, visible/sensitive, then the
 * properties that say what the user sees; children indented below */
static void
dump_widget (GtkWidget * widget, gint depth, GString * out)
{
  const gchar *type = G_OBJECT_TYPE_NAME (widget);
  const gchar *name = gtk_widget_get_name (widget);
  GPtrArray *children;
  gboolean leaf;
  guint i;

  g_string_append_printf (out, "%*s%s", depth * 2, "", type);
  if (g_strcmp0 (name, type) != 0)
    g_string_append_printf (out, "#%s", name);
  g_string_append_printf (out, " visible=%d sensitive=%d",
      gtk_widget_get_visible (widget), gtk_widget_get_sensitive (widget));
  leaf = dump_properties (widget, out);
  g_string_append_c (out, '\n');
  if (leaf || !GTK_IS_CONTAINER (widget))
    return;

  children = g_ptr_array_new ();
  gtk_container_forall (GTK_CONTAINER (widget), dump_child_cb, children);
  for (i = 0; i < children->len; i++)
    dump_widget (g_ptr_array_index (children, i), depth + 1, out);
  g_ptr_array_unref (children);
}

static void
self_test_dump (Phone * phone, const gchar * event)
{
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "=== pgsm-phone self-test: %s ===\n", event);
  dump_widget (phone->window, 0, out);
  if (phone->dialog != NULL)
    dump_widget (phone->dialog, 0, out);
  g_string_append (out, "=== end ===\n");
  fputs (out->str, stdout);
  fflush (stdout);
  g_string_free (out, TRUE);
}

/* The mapped toplevels, cut out of the root window (X11): the main window
 * and the dialog over it, as the user sees them */
static gboolean
save_screenshot (const gchar * file, GError ** error)
{
  GdkWindow *root = gdk_get_default_root_window ();
  GList *tops = gtk_window_list_toplevels (), *l;
  GdkRectangle box = { 0, 0, 0, 0 };
  GdkPixbuf *pixbuf;
  gboolean ok;

  for (l = tops; l != NULL; l = l->next) {
    GdkRectangle r;

    if (!gtk_widget_get_mapped (l->data))
      continue;
    gdk_window_get_frame_extents (gtk_widget_get_window (l->data), &r);
    if (box.width == 0)
      box = r;
    else
      gdk_rectangle_union (&box, &r, &box);
  }
  g_list_free (tops);
  if (box.width == 0) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no window shown");
    return FALSE;
  }
  pixbuf = gdk_pixbuf_get_from_window (root, box.x, box.y, box.width,
      box.height);
  if (pixbuf == NULL) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
        "could not read the screen");
    return FALSE;
  }
  ok = gdk_pixbuf_save (pixbuf, file, "png", error, NULL);
  g_object_unref (pixbuf);
  return ok;
}

/* Runs SELF_TEST_SETTLE_MS after an event: dump, screenshot, then the
 * second half (hang up / close the dialog) or quit */
static gboolean
self_test_settled_cb (gpointer user_data)
{
  Phone *phone = user_data;

  phone->settle_source = 0;
  self_test_dump (phone, phone->event);

  if (phone->step == STEP_WAIT_END) {
    phone->step = STEP_DONE;
    gtk_main_quit ();
    return G_SOURCE_REMOVE;
  }

  if (phone->screenshot != NULL) {
    g_autoptr (GError) err = NULL;

    if (!save_screenshot (phone->screenshot, &err)) {
      g_printerr ("pgsm-phone: screenshot: %s\n", err->message);
      phone->exit_status = 1;
    }
  }
  phone->step = STEP_WAIT_END;
  if (g_strcmp0 (phone->event, "secured") == 0) {
    gtk_button_clicked (GTK_BUTTON (phone->hangup_button));
  } else {
    if (phone->dialog != NULL)
      gtk_dialog_response (GTK_DIALOG (phone->dialog), GTK_RESPONSE_CLOSE);
    /* the call is already over: dump the idle window */
    self_test_event (phone, "idle");
  }
  return G_SOURCE_REMOVE;
}

static void
self_test_event (Phone * phone, const gchar * event)
{
  if (!phone->self_test || phone->settle_source != 0
      || phone->step == STEP_DONE)
    return;
  if (phone->step == STEP_WAIT_END && g_strcmp0 (event, "idle") != 0)
    return;
  g_free (phone->event);
  phone->event = g_strdup (event);
  phone->settle_source = g_timeout_add (SELF_TEST_SETTLE_MS,
      self_test_settled_cb, phone);
}

static gboolean
self_test_timeout_cb (gpointer user_data)
{
  Phone *phone = user_data;

  phone->timeout_source = 0;
  self_test_dump (phone, "timeout");
  g_printerr ("pgsm-phone: self-test timed out after %d s\n", phone->timeout_s);
  phone->exit_status = 2;
  gtk_main_quit ();
  return G_SOURCE_REMOVE;
}

static gboolean
auto_call_cb (gpointer user_data)
{
  Phone *phone = user_data;

  gtk_button_clicked (GTK_BUTTON (phone->call_button));
  return G_SOURCE_REMOVE;
}

/* ---------------------------------------------------------------------- */
/* Set-up */

static gboolean
build_pipeline (Phone * phone, GError ** error)
{
  GstElement *src, *sink;
  GstBus *bus;

  phone->pipeline = gst_pipeline_new ("pgsm-phone");
  if (phone->test_source) {
    src = gst_element_factory_make ("audiotestsrc", "source");
    sink = gst_element_factory_make ("fakesink", "sink");
  } else {
    src = gst_element_factory_make ("autoaudiosrc", "source");
    sink = gst_element_factory_make ("autoaudiosink", "sink");
  }
  phone->sipbin = gst_element_factory_make ("pgsmsipbin", "sipbin");
  if (src == NULL || sink == NULL || phone->sipbin == NULL) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
        "missing element: %s", phone->sipbin == NULL ? "pgsmsipbin" :
        src == NULL ? "audio source" : "audio sink");
    g_clear_object (&src);
    g_clear_object (&sink);
    g_clear_object (&phone->sipbin);
    return FALSE;
  }
  if (phone->test_source) {
    g_object_set (src, "is-live", TRUE, "volume", 0.3, NULL);
    g_object_set (sink, "sync", FALSE, NULL);
  }
  gst_bin_add_many (GST_BIN (phone->pipeline), src, phone->sipbin, sink, NULL);
  if (!gst_element_link_many (src, phone->sipbin, sink, NULL)) {
    g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION,
        "could not link the audio elements to pgsmsipbin");
    return FALSE;
  }

  /* the messages come to the GTK main loop (the default GMainContext) */
  bus = gst_element_get_bus (phone->pipeline);
  phone->bus_watch = gst_bus_add_watch (bus, bus_cb, phone);
  gst_object_unref (bus);
  return TRUE;
}

static GtkWidget *
named (GtkWidget * widget, const gchar * name)
{
  gtk_widget_set_name (widget, name);
  return widget;
}

static gboolean
delete_cb (GtkWidget * window, GdkEvent * event, Phone * phone)
{
  gtk_main_quit ();
  return TRUE;
}

/* The dial field, the CA chooser and the system-CA check button */
static GtkWidget *
build_form (Phone * phone)
{
  GtkWidget *grid, *label;
  GtkFileFilter *filter;

  grid = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (grid), 8);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 8);

  label = gtk_label_new ("Call");
  gtk_widget_set_halign (label, GTK_ALIGN_END);
  gtk_grid_attach (GTK_GRID (grid), label, 0, 0, 1, 1);
  phone->dial_entry = named (gtk_entry_new (), "dial-entry");
  gtk_entry_set_placeholder_text (GTK_ENTRY (phone->dial_entry),
      "sips:bob@pbx.example.com");
  gtk_widget_set_hexpand (phone->dial_entry, TRUE);
  if (phone->dial != NULL)
    gtk_entry_set_text (GTK_ENTRY (phone->dial_entry), phone->dial);
  gtk_grid_attach (GTK_GRID (grid), phone->dial_entry, 1, 0, 1, 1);

  label = gtk_label_new ("Trusted CA");
  gtk_widget_set_halign (label, GTK_ALIGN_END);
  gtk_grid_attach (GTK_GRID (grid), label, 0, 1, 1, 1);
  phone->ca_chooser = named (gtk_file_chooser_button_new ("Trusted CA "
          "certificates (PEM)", GTK_FILE_CHOOSER_ACTION_OPEN), "ca-chooser");
  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, "PEM certificates");
  gtk_file_filter_add_pattern (filter, "*.pem");
  gtk_file_filter_add_pattern (filter, "*.crt");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (phone->ca_chooser), filter);
  if (phone->ca_file != NULL)
    gtk_file_chooser_set_filename (GTK_FILE_CHOOSER (phone->ca_chooser),
        phone->ca_file);
  gtk_grid_attach (GTK_GRID (grid), phone->ca_chooser, 1, 1, 1, 1);
  phone->system_ca_check = named (gtk_check_button_new_with_label ("Also "
          "trust the system CAs"), "system-ca");
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (phone->system_ca_check),
      phone->system_ca);
  gtk_grid_attach (GTK_GRID (grid), phone->system_ca_check, 1, 2, 1, 1);
  return grid;
}

static GtkWidget *
build_buttons (Phone * phone)
{
  GtkWidget *buttons = gtk_button_box_new (GTK_ORIENTATION_HORIZONTAL);

  gtk_button_box_set_layout (GTK_BUTTON_BOX (buttons), GTK_BUTTONBOX_END);
  gtk_box_set_spacing (GTK_BOX (buttons), 8);
  phone->call_button = named (gtk_button_new_with_label ("Call"), "call");
  gtk_style_context_add_class (gtk_widget_get_style_context
      (phone->call_button), GTK_STYLE_CLASS_SUGGESTED_ACTION);
  phone->hangup_button = named (gtk_button_new_with_label ("Hang up"),
      "hangup");
  gtk_style_context_add_class (gtk_widget_get_style_context
      (phone->hangup_button), GTK_STYLE_CLASS_DESTRUCTIVE_ACTION);
  gtk_container_add (GTK_CONTAINER (buttons), phone->call_button);
  gtk_container_add (GTK_CONTAINER (buttons), phone->hangup_button);
  g_signal_connect (phone->call_button, "clicked",
      G_CALLBACK (call_clicked_cb), phone);
  g_signal_connect (phone->hangup_button, "clicked",
      G_CALLBACK (hangup_clicked_cb), phone);
  return buttons;
}

/* The lock icon (shown only while the call is secured) and the status */
static GtkWidget *
build_status (Phone * phone)
{
  GtkWidget *status;

  status = named (gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8), "status");
  phone->lock_icon = named (gtk_image_new_from_icon_name (LOCK_ICON,
          GTK_ICON_SIZE_LARGE_TOOLBAR), "lock");
  phone->status_label = named (gtk_label_new ("idle"), "status-label");
  gtk_label_set_xalign (GTK_LABEL (phone->status_label), 0.0);
  gtk_label_set_line_wrap (GTK_LABEL (phone->status_label), TRUE);
  gtk_container_add (GTK_CONTAINER (status), phone->lock_icon);
  gtk_container_add (GTK_CONTAINER (status), phone->status_label);
  return status;
}

static void
build_window (Phone * phone)
{
  GtkWidget *header, *box;

  phone->window = named (gtk_window_new (GTK_WINDOW_TOPLEVEL), "phone");
  gtk_window_set_title (GTK_WINDOW (phone->window), "pgsm-phone");
  gtk_window_set_default_size (GTK_WINDOW (phone->window), 560, -1);
  header = gtk_header_bar_new ();
  gtk_header_bar_set_title (GTK_HEADER_BAR (header), "pgsm-phone");
  gtk_header_bar_set_subtitle (GTK_HEADER_BAR (header),
      "Secure calls: SIP over TLS, SRTP");
  gtk_header_bar_set_show_close_button (GTK_HEADER_BAR (header), TRUE);
  gtk_window_set_titlebar (GTK_WINDOW (phone->window), header);
  g_signal_connect (phone->window, "delete-event", G_CALLBACK (delete_cb),
      phone);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_container_set_border_width (GTK_CONTAINER (box), 12);
  gtk_container_add (GTK_CONTAINER (phone->window), box);
  gtk_container_add (GTK_CONTAINER (box), build_form (phone));
  gtk_container_add (GTK_CONTAINER (box), build_buttons (phone));
  gtk_container_add (GTK_CONTAINER (box),
      gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));
  gtk_container_add (GTK_CONTAINER (box), build_status (phone));

  gtk_widget_show_all (phone->window);
  gtk_widget_hide (phone->lock_icon);
  gtk_widget_set_no_show_all (phone->lock_icon, TRUE);
  set_idle_buttons (phone, TRUE);
}

static void
phone_clear (Phone * phone)
{
  g_clear_handle_id (&phone->settle_source, g_source_remove);
  g_clear_handle_id (&phone->timeout_source, g_source_remove);
  g_clear_handle_id (&phone->hangup_timeout, g_source_remove);
  if (phone->pipeline != NULL) {
    gst_element_set_state (phone->pipeline, GST_STATE_NULL);
    g_clear_handle_id (&phone->bus_watch, g_source_remove);
    gst_clear_object (&phone->pipeline);
  }
  if (phone->window != NULL)
    gtk_widget_destroy (phone->window);
  g_free (phone->call_id);
  g_free (phone->event);
  g_free (phone->dial);
  g_free (phone->ca_file);
  g_free (phone->listen_uri);
  g_free (phone->screenshot);
}

int
main (int argc, char **argv)
{
  Phone phone = { 0, };
  g_autoptr (GError) err = NULL;
  GOptionContext *ctx;
  const GOptionEntry entries[] = {
    {"dial", 'd', 0, G_OPTION_ARG_STRING, &phone.dial,
        "The sips: URI to call", "URI"},
    {"ca-file", 'c', 0, G_OPTION_ARG_FILENAME, &phone.ca_file,
        "PEM file of the CA certificates to trust", "FILE"},
    {"system-ca", 0, 0, G_OPTION_ARG_NONE, &phone.system_ca,
        "Also trust the system CA store", NULL},
    {"listen-uri", 0, 0, G_OPTION_ARG_STRING, &phone.listen_uri,
        "Local SIP bind URI (pgsmsipbin listen-uri, default "
          "sips:127.0.0.1:0)", "URI"},
    {"test-source", 0, 0, G_OPTION_ARG_NONE, &phone.test_source,
        "Send a test tone and discard what comes back (no sound card)", NULL},
    {"auto-call", 0, 0, G_OPTION_ARG_NONE, &phone.auto_call,
        "Press Call at start-up", NULL},
    {"self-test", 0, 0, G_OPTION_ARG_NONE, &phone.self_test,
        "Print the widget tree after the first event, hang up, print it "
          "again and quit", NULL},
    {"screenshot", 0, 0, G_OPTION_ARG_FILENAME, &phone.screenshot,
          "With --self-test: save the windows as PNG after the first event",
        "FILE"},
    {"timeout", 0, 0, G_OPTION_ARG_INT, &phone.timeout_s,
        "With --self-test: give up after this many seconds (30)", "S"},
    {NULL}
  };

  phone.timeout_s = 30;
  ctx = g_option_context_new ("- a secure SIP phone (pgsmsipbin)");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_add_group (ctx, gtk_get_option_group (TRUE));
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  if (!g_option_context_parse (ctx, &argc, &argv, &err)) {
    g_printerr ("pgsm-phone: %s\n", err->message);
    g_option_context_free (ctx);
    return 1;
  }
  g_option_context_free (ctx);

  if (!build_pipeline (&phone, &err)) {
    g_printerr ("pgsm-phone: %s\n", err->message);
    phone_clear (&phone);
    return 1;
  }
  build_window (&phone);

  if (phone.self_test)
    phone.timeout_source = g_timeout_add_seconds (MAX (phone.timeout_s, 1),
        self_test_timeout_cb, &phone);
  if (phone.auto_call)
    g_idle_add (auto_call_cb, &phone);

  gtk_main ();

  phone_clear (&phone);
  gst_deinit ();
  return phone.exit_status;
}
