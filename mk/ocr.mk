# SPDX-License-Identifier: Apache-2.0
# ocr.mk — the business-card OCR accuracy test (tests/ocr/card_accuracy.c
# over the committed images in tests/cards). Built plain only: Tesseract
# under ASan would take minutes; the OCR modules' own unit tests
# (tests/unit/test_card_*.c, test_ocr*.c) run under ASan+UBSan as usual.

OCR_ACCURACY := $(BUILD)/tests/ocr/card_accuracy

$(OCR_ACCURACY): $(BUILD)/obj/tests/ocr/card_accuracy.o $(TAP_OBJ) $(LIB_A)
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(TEST_LDFLAGS) -o $@ $^ $(LDLIBS)

.SECONDARY: $(BUILD)/obj/tests/ocr/card_accuracy.o

MK_TEST_TARGETS += $(OCR_ACCURACY)
MK_CHECK_TESTS += $(OCR_ACCURACY)

.PHONY: check-ocr
check-ocr: $(OCR_ACCURACY)
	$(OCR_ACCURACY) tests/cards
