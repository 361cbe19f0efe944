# SPDX-License-Identifier: Apache-2.0
# ocr.mk — the business-card OCR accuracy test (tests/ocr/card_accuracy.c
# over the committed images in tests/cards). Built plain only: Tesseract
# under ASan would take minutes; the OCR modules' own unit tests
# (tests/unit/test_card_*.c, test_ocr*.c) run under ASan+UBSan as usual.

OCR_ACCURACY := $(BUILD)/tests/ocr/card_accuracy

$(OCR_ACCURACY): $(BUILD)/obj/tests/ocr/card_accuracy.o $(LIB_OBJS) $(BUILD)/obj/gen/assets.o $(TAP_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

MK_TEST_TARGETS += $(OCR_ACCURACY)
MK_CHECK_TESTS += $(OCR_ACCURACY)

.PHONY: check-ocr
check-ocr: $(OCR_ACCURACY)
	$(OCR_ACCURACY) tests/cards
