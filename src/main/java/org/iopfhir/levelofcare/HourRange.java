package org.iopfhir.levelofcare;

import java.math.BigDecimal;

/** Weekly clinical hours a level provides: at least {@code min}, below {@code maxExclusive} (null: no upper bound). */
public record HourRange(BigDecimal min, BigDecimal maxExclusive) {
}
