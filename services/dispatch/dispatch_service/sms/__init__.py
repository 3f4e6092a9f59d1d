"""SMS text handling: GSM 03.38 / UCS-2 encoding, segmentation and concatenation UDH."""
