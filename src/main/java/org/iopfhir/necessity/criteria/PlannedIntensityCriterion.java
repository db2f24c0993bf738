package org.iopfhir.necessity.criteria;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.Timing;
import org.iopfhir.necessity.Criterion;
import org.iopfhir.necessity.Finding;
import org.iopfhir.necessity.Kind;
import org.iopfhir.necessity.Review;

/**
 * The plan's activities add up to IOP intensity: at least the age group's weekly hours and less
 * than partial hospitalization. Hours per week = frequency x duration / period, from each
 * activity's {@code scheduledTiming}.
 */
public class PlannedIntensityCriterion implements Criterion {

    @Override
    public Kind kind() {
        return Kind.CLINICAL;
    }

    @Override
    public String id() {
        return "planned-intensity";
    }

    @Override
    public Finding evaluate(Review review) {
        Optional<CarePlan> plan = review.plan();
        if (plan.isEmpty()) {
            return NoPlan.finding(review, "no treatment plan, so no planned intensity");
        }
        BigDecimal hours = weeklyHours(plan.get());
        BigDecimal minimum = review.rules().minimumWeeklyHours();
        BigDecimal ceiling = review.rules().partialHospitalHours();
        String planned = "the plan schedules " + hours.stripTrailingZeros().toPlainString() + " h a week";
        return Finding.metIf(hours.compareTo(minimum) >= 0 && hours.compareTo(ceiling) < 0,
                planned + ", within the " + review.record().ageGroup().code() + " IOP range of " + minimum.toPlainString()
                        + " to under " + ceiling.toPlainString() + " h",
                planned + ", outside the " + review.record().ageGroup().code() + " IOP range of " + minimum.toPlainString()
                        + " to under " + ceiling.toPlainString() + " h", List.of(plan.get()));
    }

    static BigDecimal weeklyHours(CarePlan plan) {
        return plan.getActivity().stream()
                .filter(a -> a.getDetail().getStatus() != CarePlan.CarePlanActivityStatus.CANCELLED
                        && a.getDetail().getStatus() != CarePlan.CarePlanActivityStatus.ENTEREDINERROR)
                .filter(a -> a.getDetail().hasScheduledTiming())
                .map(a -> hours(a.getDetail().getScheduledTiming().getRepeat()))
                .reduce(BigDecimal.ZERO, BigDecimal::add).setScale(2, RoundingMode.HALF_UP);
    }

    private static BigDecimal hours(Timing.TimingRepeatComponent repeat) {
        if (!repeat.hasDuration() || !repeat.hasPeriod() || repeat.getPeriod().signum() <= 0) {
            return BigDecimal.ZERO;
        }
        BigDecimal perOccurrence = repeat.getDuration().multiply(toHours(repeat.getDurationUnit()));
        BigDecimal periodWeeks = repeat.getPeriod().multiply(toHours(repeat.getPeriodUnit()))
                .divide(BigDecimal.valueOf(168), 6, RoundingMode.HALF_UP);
        int frequency = repeat.hasFrequency() ? repeat.getFrequency() : 1;
        return perOccurrence.multiply(BigDecimal.valueOf(frequency)).divide(periodWeeks, 6, RoundingMode.HALF_UP);
    }

    private static BigDecimal toHours(Timing.UnitsOfTime unit) {
        if (unit == null) {
            return BigDecimal.ZERO;
        }
        return switch (unit) {
            case S -> BigDecimal.ONE.divide(BigDecimal.valueOf(3600), 8, RoundingMode.HALF_UP);
            case MIN -> BigDecimal.ONE.divide(BigDecimal.valueOf(60), 8, RoundingMode.HALF_UP);
            case H -> BigDecimal.ONE;
            case D -> BigDecimal.valueOf(24);
            case WK -> BigDecimal.valueOf(168);
            case MO -> BigDecimal.valueOf(730);
            case A -> BigDecimal.valueOf(8760);
            default -> BigDecimal.ZERO;
        };
    }
}
