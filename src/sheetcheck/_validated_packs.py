"""The bundled packs' validation keys (:func:`sheetcheck.packs.validation_key`) as the
meta-schema accepted them: loading one of these exact texts skips the meta-schema validation
(about 0.2 s of every run of the command line, which loads the four to pick one).

tests/test_pack_validation_record.py fails when a bundled pack or the meta-schema changes
without this record being renewed; its message gives the new set.
"""

VALIDATED_PACKS = frozenset(
    {
        "1160615e1c256af1d68564df26918b1f618c2c24f3240e4cd8af6c110e8418d1",
        "69d41b58914c5c6b719904727b2384fc53bec8027cea85091271f210c0e42f8a",
        "bf37e4ff03229a376fd6295afaf5e396f5871f5537340412c06b7112e9389976",
        "f3f1371e065db8092949b5310d0d404301d3e00a148090202550fd2ca86a3da2",
    }
)
