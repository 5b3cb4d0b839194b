"""The SAM template as CloudFormation sees it for one app's parameter values
(deploy/examples/APP/samconfig.toml): Fn::ForEach expanded
(AWS::LanguageExtensions, which CloudFormation runs before SAM's transform and
before it evaluates any function), and the functions the environment uses
evaluated. Shared by test_sam.py and test_checkov.py."""
import copy
import os
import shlex
import tomllib

from conftest import EXAMPLES_DIR

APPS = ["items", "todo"]


def parameters(app):
    """The parameter_overrides of deploy/examples/APP/samconfig.toml, as a dict."""
    with open(os.path.join(EXAMPLES_DIR, app, "samconfig.toml"), "rb") as f:
        config = tomllib.load(f)
    overrides = config["default"]["global"]["parameters"]["parameter_overrides"]
    if isinstance(overrides, str):
        overrides = shlex.split(overrides)
    return dict(o.split("=", 1) for o in overrides)


def with_defaults(template, params):
    """The template with params as its parameters' defaults (how checkov and the tests pick values)."""
    out = copy.deepcopy(template)
    for name, value in params.items():
        out["Parameters"][name]["Default"] = value
    return out


def _parameter(template, name, params):
    if name in params:
        return params[name]
    return str(template["Parameters"][name].get("Default", ""))


def _substitute(value, identifier, item):
    if isinstance(value, str):
        return value.replace("${%s}" % identifier, item)
    if isinstance(value, list):
        return [_substitute(v, identifier, item) for v in value]
    if isinstance(value, dict):
        return {_substitute(k, identifier, item): _substitute(v, identifier, item) for k, v in value.items()}
    return value


def expand_foreach(template, params=None):
    """Every Fn::ForEach::* key replaced by its copies, one per item of its collection (a literal list
    or a CommaDelimitedList parameter), ${identifier} substituted in keys and values."""
    params = params or {}

    def expand(value):
        if isinstance(value, list):
            return [expand(v) for v in value]
        if not isinstance(value, dict):
            return value
        out = {}
        for key, v in value.items():
            if key.startswith("Fn::ForEach::"):
                identifier, collection, fragment = v
                if isinstance(collection, dict):
                    collection = _parameter(template, collection["Ref"], params).split(",")
                for item in collection:
                    out.update(expand(_substitute(fragment, identifier, item.strip())))
            else:
                out[key] = expand(v)
        return out

    result = expand(template)
    result["Transform"] = [t for t in result["Transform"] if t != "AWS::LanguageExtensions"]
    return result


def evaluate(template, expr, params):
    """Ref (parameters), Fn::Sub, Fn::Split, Fn::Select as CloudFormation evaluates them."""
    if isinstance(expr, str):
        return expr
    (fn, args), = expr.items()
    if fn == "Ref":
        return _parameter(template, args, params)
    if fn == "Fn::Sub":
        text = args
        for name in template["Parameters"]:
            text = text.replace("${%s}" % name, _parameter(template, name, params))
        return text
    if fn == "Fn::Split":
        return evaluate(template, args[1], params).split(args[0])
    if fn == "Fn::Select":
        return evaluate(template, args[1], params)[int(args[0])]
    raise AssertionError(f"{fn} not evaluated here")
