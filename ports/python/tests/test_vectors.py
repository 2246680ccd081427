"""Every case of tests/vectors/*.json, valid and invalid."""

import unittest

from client_keys import Verifier, VerifyError

from .helpers import vector_files


class Vectors(unittest.TestCase):
    def test_valid_vectors_verify_to_their_claims(self):
        for kind, doc in vector_files():
            for case in doc["valid"]:
                with self.subTest(case["desc"]):
                    verifier = Verifier(case.get("verifier_secret", case["secret"]), case["key_id"],
                                        previous_secrets=case.get("previous_secrets"),
                                        revoked_sessions=case.get("revoked_sessions"))
                    key = verifier.verify(case["token"], now=case.get("now"))
                    claims = case["claims"]
                    self.assertEqual(key.kind, kind)
                    self.assertEqual(key.key_id, case["key_id"])
                    self.assertEqual(key.expires_at, claims["expires_at"])
                    self.assertEqual(key.name, claims["name"])
                    self.assertEqual(list(key.scopes), claims["scopes"])
                    self.assertEqual(list(key.metadata.items()), list(claims["metadata"].items()))
                    self.assertEqual(key.session_id, claims["session_id"])

    def test_invalid_vectors_fail_for_their_stated_reason(self):
        count = 0
        for _, doc in vector_files():
            for case in doc["invalid"]:
                with self.subTest(case["desc"]):
                    verifier = Verifier(case["secret"], case["client_keys"],
                                        previous_secrets=case.get("previous_secrets"),
                                        revoked_sessions=case.get("revoked_sessions"))
                    with self.assertRaises(VerifyError) as caught:
                        verifier.verify(case["token"], now=case.get("now"))
                    self.assertEqual(caught.exception.reason, case["error"])
                    if len(case["token"]) > 8:
                        self.assertNotIn(case["token"], str(caught.exception))
                count += 1
        self.assertGreater(count, 20)

    def test_the_vectors_cover_the_lifetime_cap_and_revoked_sessions(self):
        cases = [c for _, doc in vector_files() for c in doc["valid"] + doc["invalid"]]
        self.assertTrue(any(c.get("revoked_sessions") for c in cases))
        self.assertTrue(any(c.get("error") == "session_revoked" for c in cases))


if __name__ == "__main__":
    unittest.main()
