"""The receipt deadline: parts the SMSC accepted but never reported on get a final status,
so their messages finish; parts stuck before the SMSC are reported."""
