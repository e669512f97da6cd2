/* gst-pgsm
 * Copyright (C) 2026 gst-pgsm contributors
 *
 * This library is free software; you can redistribute it and/or
 * modify it under the terms of the GNU Library General Public
 * License as published by the Free Software Foundation; either
 * version 2.1 of the License, or (at your option) any later version.
 */

#ifndef __PGSM_H__
#define __PGSM_H__

#include <gst/pgsm/pgsmprelude.h>
#include <gst/pgsm/pgsmerror.h>
#include <gst/pgsm/pgsmsuite.h>
#include <gst/pgsm/pgsmcrypto.h>
#include <gst/pgsm/pgsm-enumtypes.h>

#endif /* __PGSM_H__ */
