package org.iopfhir.server;

import jakarta.persistence.EntityManager;
import jakarta.persistence.FlushModeType;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.hibernate.query.NativeQuery;

/**
 * The rows of an SQL query on HAPI's tables whose one parameter, {@code :ids}, is a set of resource ids bound as one
 * array ({@code = ANY(:ids)}). A JPQL {@code IN (:ids)} binds each id as its own parameter, so Hibernate translates the
 * query again for every execution (its translation is kept only for queries without a list parameter) and PostgreSQL
 * plans each new length of the list anew: together most of what reading a search page's tags cost. One array
 * parameter is one statement, translated once. PostgreSQL and H2 both take an array in {@code = ANY}.
 */
final class IdArrayQuery {

    private IdArrayQuery() {
    }

    /**
     * The rows, each as its columns. Before running it Hibernate writes what the session holds for the tables of these
     * entities, as it would before a JPQL query on them, unless {@code flushFirst} is false.
     */
    static List<Object[]> rows(EntityManager entityManager, String sql, Collection<Long> ids, boolean flushFirst,
            Class<?>... entities) {
        NativeQuery<?> query = entityManager.createNativeQuery(sql).unwrap(NativeQuery.class);
        for (Class<?> entity : entities) {
            query.addSynchronizedEntityClass(entity);
        }
        query.setParameter("ids", ids.toArray(Long[]::new));
        if (!flushFirst) {
            query.setFlushMode(FlushModeType.COMMIT);
        }
        List<Object[]> rows = new ArrayList<>();
        for (Object row : query.getResultList()) {
            rows.add((Object[]) row);
        }
        return rows;
    }
}
