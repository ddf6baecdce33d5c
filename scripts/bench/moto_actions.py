"""scripts/moto_fast.py that also logs the action of every request it serves, for
scripts/bench-iam: one line `ACTION <service>:<Action>` on stderr per request that moto
dispatches through BaseResponse.call_action (the query and JSON protocols: IAM, STS,
Organizations, EC2, ...), next to werkzeug's usual request line. Same CLI as moto_server.
"""
import os
import runpy
import sys

from moto.core.responses import BaseResponse

_call_action = BaseResponse.call_action


def _logged_call_action(self):  # noqa: ANN001, ANN202
    try:
        action = self._get_action()
    except Exception:  # noqa: BLE001 - logging must never change moto's answer
        action = "?"
    sys.stderr.write(f"ACTION {self.service_name}:{action}\n")
    return _call_action(self)


BaseResponse.call_action = _logged_call_action

sys.argv[0] = os.path.join(os.path.dirname(__file__), "..", "moto_fast.py")
runpy.run_path(sys.argv[0], run_name="__main__")
