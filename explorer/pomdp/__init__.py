"""Any discrete pymdp model: the :class:`~explorer.pomdp.model.Model` type, its checks and its policies.

Exported lazily as ``explorer.Model``; nothing here is imported by ``import explorer``.
"""
