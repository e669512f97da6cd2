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

#include "gstpgsmsrtpelements.h"
#include "gstpgsmsrtp.h"

/* One-time set-up shared by both elements: libsrtp2 and the enum types
 * the elements' properties use. */
void
pgsm_srtp_element_init (GstPlugin * plugin)
{
  static gsize done = 0;

  if (g_once_init_enter (&done)) {
    srtp_err_status_t ret = srtp_init ();

    /* libsrtp2 has one process-wide crypto kernel: when another user
     * (srtpenc, say) initialised it first, srtp_init() answers bad_param
     * and the kernel is ready all the same. */
    if (ret != srtp_err_status_ok && ret != srtp_err_status_bad_param)
      g_warning ("libsrtp2 failed to initialise: %s",
          gst_pgsm_srtp_status_to_string (ret));
    gst_type_mark_as_plugin_api (PGSM_TYPE_SRTP_CIPHER, 0);
    gst_type_mark_as_plugin_api (PGSM_TYPE_SRTP_AUTH, 0);
    g_once_init_leave (&done, 1);
  }
}
