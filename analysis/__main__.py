"""python3 -m analysis SUBCOMMAND ...: the analysis command line."""

import sys

from . import compare, csvout, decision, plotdata, report, saturation, schemadoc, tune

COMMANDS = {"compare": compare.main, "csv": csvout.main, "rfc": decision.main, "decide": decision.main_decide,
            "tune": tune.main,
            "plot": plotdata.main, "report": report.main, "saturation": saturation.main,
            "schema": schemadoc.main}


def main(argv):
    if not argv or argv[0] not in COMMANDS:
        print(f"usage: python3 -m analysis {{{','.join(COMMANDS)}}} ...", file=sys.stderr)
        return 2
    return COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(1)
