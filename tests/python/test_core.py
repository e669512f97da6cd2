#!/usr/bin/python3
# gst-pgsm: the core library (libgstpgsm-1.0) through GObject introspection.
#
# Run from the build tree (meson test does this):
#   GI_TYPELIB_PATH=build/gst/pgsm LD_LIBRARY_PATH=build/gst/pgsm \
#     /usr/bin/python3 tests/python/test_core.py
# Exits 77 (skipped) when gi or the GstPgsm typelib is not available.

import base64
import sys
import unittest

try:
    import gi
    gi.require_version('Gst', '1.0')
    gi.require_version('GstPgsm', '1.0')
    from gi.repository import GLib, Gst, GstPgsm
except (ImportError, ValueError) as e:
    print('SKIP: %s' % e)
    sys.exit(77)

WARNING = ("You are attempting to open a secure connection, but the server's "
           "certificate is not trusted. Please contact your system administrator")
SUITE = 'AES_CM_128_HMAC_SHA1_80'


def key_b64(length, seed=1):
    return base64.b64encode(bytes((seed * 31 + i * 7 + 1) & 0xff
                                  for i in range(length))).decode('ascii')


class CryptoAttributeTest(unittest.TestCase):

    def test_parse(self):
        key = key_b64(30)
        value = '1 %s inline:%s|2^20|1:4 KDR=0 WSH=128' % (SUITE, key)
        attr = GstPgsm.CryptoAttribute.parse(value)
        self.assertEqual(attr.get_tag(), 1)
        self.assertEqual(attr.get_suite(),
                         GstPgsm.SrtpSuite.AES_CM_128_HMAC_SHA1_80)
        self.assertEqual(attr.get_n_keys(), 1)
        self.assertEqual(attr.get_key(0).get_data(), base64.b64decode(key))
        self.assertEqual(attr.get_lifetime(0), 1 << 20)
        has_mki, mki, mki_length = attr.get_mki(0)
        self.assertTrue(has_mki)
        self.assertEqual((mki, mki_length), (1, 4))
        self.assertEqual(attr.get_kdr(), 0)
        self.assertEqual(attr.get_wsh(), 128)
        self.assertTrue(attr.has_session_params())
        self.assertEqual(attr.to_string(), value)
        # a boxed type: copies are independent and equal
        self.assertEqual(attr.copy().to_string(), value)

    def test_alias_is_written_canonically(self):
        key = key_b64(46)
        attr = GstPgsm.CryptoAttribute.parse(
            '2 AES_CM_256_HMAC_SHA1_80 inline:%s' % key)
        self.assertEqual(attr.get_suite(),
                         GstPgsm.SrtpSuite.AES_256_CM_HMAC_SHA1_80)
        self.assertEqual(attr.to_string(),
                         '2 AES_256_CM_HMAC_SHA1_80 inline:%s' % key)

    def test_build(self):
        attr = GstPgsm.CryptoAttribute.new(
            7, GstPgsm.SrtpSuite.AEAD_AES_128_GCM)
        raw = bytes(range(28))
        self.assertTrue(attr.add_key(GLib.Bytes.new(raw), 0, 0, 0))
        self.assertEqual(attr.to_string(), '7 AEAD_AES_128_GCM inline:%s'
                         % base64.b64encode(raw).decode('ascii'))
        with self.assertRaises(GLib.Error) as cm:
            attr.add_key(GLib.Bytes.new(raw[:16]), 0, 0, 0)
        self.assertEqual(cm.exception.code,
                         GstPgsm.CryptoError.BAD_KEY_LENGTH)

    def test_errors(self):
        key = key_b64(24)
        with self.assertRaises(GLib.Error) as cm:
            GstPgsm.CryptoAttribute.parse('1 %s inline:%s' % (SUITE, key))
        err = cm.exception
        self.assertEqual(err.domain, 'pgsm-crypto-error-quark')
        self.assertEqual(err.code, GstPgsm.CryptoError.BAD_KEY_LENGTH)
        self.assertEqual(err.message, 'key length 24 bytes, %s needs 30 '
                         '(key 16 + salt 14)' % SUITE)
        self.assertNotIn(key, err.message)
        self.assertTrue(err.matches(GstPgsm.crypto_error_quark(),
                                    GstPgsm.CryptoError.BAD_KEY_LENGTH))

        cases = [
            ('', GstPgsm.CryptoError.SYNTAX),
            ('1234567890 %s inline:%s' % (SUITE, key_b64(30)),
             GstPgsm.CryptoError.BAD_TAG),
            ('1 NO_SUCH_SUITE inline:%s' % key_b64(30),
             GstPgsm.CryptoError.UNKNOWN_SUITE),
            ('1 %s %s' % (SUITE, key_b64(30)),
             GstPgsm.CryptoError.MISSING_INLINE),
            ('1 %s inline:%s*' % (SUITE, key_b64(30)[:-1]),
             GstPgsm.CryptoError.BAD_BASE64),
            ('1 %s inline:%s|2^49' % (SUITE, key_b64(30)),
             GstPgsm.CryptoError.BAD_LIFETIME),
            ('1 %s inline:%s|1:0' % (SUITE, key_b64(30)),
             GstPgsm.CryptoError.BAD_MKI),
            ('1 %s inline:%s KDR=25' % (SUITE, key_b64(30)),
             GstPgsm.CryptoError.BAD_SESSION_PARAM),
        ]
        for value, code in cases:
            with self.assertRaises(GLib.Error, msg=value) as cm:
                GstPgsm.CryptoAttribute.parse(value)
            self.assertEqual(cm.exception.code, code, value)
            self.assertNotIn(key_b64(30)[:16], cm.exception.message)

    def test_error_quarks(self):
        self.assertEqual(GLib.quark_to_string(GstPgsm.crypto_error_quark()),
                         'pgsm-crypto-error-quark')
        self.assertEqual(GLib.quark_to_string(GstPgsm.tls_error_quark()),
                         'pgsm-tls-error-quark')


class CertificateTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        Gst.init(None)

    def test_flags_by_name(self):
        flags = GstPgsm.CertificateFlags
        self.assertEqual(int(flags.UNKNOWN_CA), 1 << 0)
        self.assertEqual(int(flags.EXPIRED), 1 << 3)
        self.assertEqual(int(flags.SELF_SIGNED), 1 << 7)
        self.assertEqual(int(flags.INSECURE_PROTOCOL), 1 << 12)
        self.assertEqual(
            GstPgsm.certificate_flags_to_string(flags.EXPIRED
                                                | flags.UNKNOWN_CA),
            'unknown-ca,expired')
        self.assertEqual(GstPgsm.certificate_flags_to_string(0), 'trusted')

    def test_message_constant(self):
        self.assertEqual(GstPgsm.CERTIFICATE_NOT_TRUSTED_MESSAGE, WARNING)
        self.assertEqual(GstPgsm.CERTIFICATE_DETAILS_NAME,
                         'pgsm-certificate-verdict')

    def test_details(self):
        flags = GstPgsm.CertificateFlags
        s = GstPgsm.certificate_details_new(flags.BAD_IDENTITY,
                                            'sip.example.org', 5061,
                                            None, None)
        self.assertEqual(s.get_name(), 'pgsm-certificate-verdict')
        self.assertEqual(s.get_string('host'), 'sip.example.org')
        self.assertEqual(s.get_uint('port'), (True, 5061))
        self.assertEqual(s.get_string('reasons'), 'bad-identity')
        self.assertFalse(s.has_field('certificate-pem'))

    def test_post_certificate_error(self):
        sink = Gst.ElementFactory.make('fakesink', None)
        bus = Gst.Bus.new()
        sink.set_bus(bus)
        GstPgsm.element_post_certificate_error(
            sink, GstPgsm.CertificateFlags.EXPIRED, '127.0.0.1', 5061,
            None, None, 'notAfter in the past')
        msg = bus.pop_filtered(Gst.MessageType.ERROR)
        self.assertIsNotNone(msg)
        err, debug = msg.parse_error()
        self.assertEqual(err.domain, 'pgsm-tls-error-quark')
        self.assertEqual(err.code,
                         GstPgsm.TlsError.CERTIFICATE_NOT_TRUSTED)
        self.assertEqual(err.message, WARNING)
        self.assertTrue(debug.endswith(
            'certificate of 127.0.0.1:5061 refused (expired): '
            'notAfter in the past'))
        details = msg.parse_error_details()
        self.assertEqual(details.get_string('reasons'), 'expired')
        sink.set_bus(None)


if __name__ == '__main__':
    unittest.main(verbosity=2)
