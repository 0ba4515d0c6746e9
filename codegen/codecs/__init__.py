"""One emitter per codec, each a class built from a service model (``Service``) that writes the
functions and methods of that codec for one structure at a time:

- :mod:`.xml_read`: ``of_xml`` and the element readers (the models: responses are read);
- :mod:`.json`: ``to_json`` / ``of_json`` (the models: boto3-style dicts both ways);
- :mod:`.query_write`: ``to_query`` (the models: requests are sent);
- :mod:`.xml_write`: the XML writers (``iamlast.testing``: the emulator writes responses);
- :mod:`.query_read`: the awsQuery readers (``iamlast.testing``: the emulator reads requests).

The emitters of a module (:mod:`codegen.emit_models`, :mod:`codegen.emit_testing`) choose
which codecs go where; a protocol with other codecs adds its own emitters here.
"""
