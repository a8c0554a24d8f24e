"""The report's known limits come from kernel/README.md's own section,
so that the two cannot disagree (temporary READMEs, and the real one)."""

import os
import tempfile
import unittest

from analysis import report


class KnownLimits(unittest.TestCase):
    def limits_of(self, text):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "README.md")
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            return report.known_limits(path)

    def test_the_section_up_to_the_next_heading(self):
        lines = self.limits_of("# k\n## Known limits\n- one;\n- two.\n\n## Next\n- not a limit\n")
        self.assertEqual(lines[:2], ["- one;", "- two."])
        self.assertNotIn("- not a limit", lines)
        self.assertIn("Known limits", lines[-1])

    def test_no_section_says_so(self):
        lines = self.limits_of("# k\n## Something else\n- x\n")
        self.assertEqual(len(lines), 1)
        self.assertIn("has no \"Known limits\" section", lines[0])

    def test_missing_readme_says_so(self):
        lines = report.known_limits("/nonexistent/README.md")
        self.assertIn("has no \"Known limits\" section", lines[0])

    def test_the_real_readme_has_the_section(self):
        lines = report.known_limits()
        self.assertTrue(any("1/(2n)" in line for line in lines), lines)
        self.assertFalse(any("has no" in line for line in lines), lines)


if __name__ == "__main__":
    unittest.main()
