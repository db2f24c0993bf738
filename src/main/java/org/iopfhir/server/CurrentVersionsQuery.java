package org.iopfhir.server;

import ca.uhn.fhir.jpa.dao.data.IResourceHistoryTableDao;
import ca.uhn.fhir.jpa.model.dao.JpaPid;
import ca.uhn.fhir.jpa.model.entity.ResourceHistoryTable;
import jakarta.persistence.EntityManager;
import jakarta.persistence.TypedQuery;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.springframework.data.jpa.repository.Query;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * HAPI's repository of stored versions as its search builders use it, with one query done differently: loading the
 * current version of each resource of a page ({@code findCurrentVersionsByResourcePidsAndFetchResourceTable}). HAPI's
 * JPQL binds the ids as one list parameter, and Hibernate keeps no translation of a query with a list parameter, so it
 * translated that query again for every page a search or an operation loaded. Here each id is a parameter of its own
 * and the list is padded to a power of two with its last id: one query text per power of two, each translated once.
 * The query is HAPI's otherwise (the versions with their resource rows, where the version is the resource's current
 * one), on the resource id alone as this server is not partitioned. Outside a transaction, and for every other
 * method, HAPI's repository answers.
 */
final class CurrentVersionsQuery implements InvocationHandler {

    static final String METHOD = "findCurrentVersionsByResourcePidsAndFetchResourceTable";
    /** HAPI 8.8's query for it, which this one does like it: a different one means HAPI changed what a page loads. */
    static final String HAPI_QUERY = "SELECT v FROM ResourceHistoryTable v JOIN FETCH v.myResourceTable t"
            + " WHERE t.myPid IN (:pids) AND t.myVersion = v.myResourceVersion";

    private final IResourceHistoryTableDao hapi;
    private final EntityManager entityManager;
    private final ConcurrentMap<Integer, String> queries = new ConcurrentHashMap<>();

    private CurrentVersionsQuery(IResourceHistoryTableDao hapi, EntityManager entityManager) {
        this.hapi = hapi;
        this.entityManager = entityManager;
    }

    /** HAPI's repository with this query; start-up fails when HAPI no longer has the method or changed its query. */
    static IResourceHistoryTableDao wrap(IResourceHistoryTableDao hapi, EntityManager entityManager) {
        Query declared;
        try {
            declared = IResourceHistoryTableDao.class.getMethod(METHOD, List.class).getAnnotation(Query.class);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException("HAPI's IResourceHistoryTableDao no longer has " + METHOD
                    + ": check how this HAPI version's SearchBuilder loads a page", e);
        }
        if (declared == null || !HAPI_QUERY.equals(declared.value())) {
            throw new IllegalStateException("HAPI's " + METHOD + " is no longer the query CurrentVersionsQuery replaces: "
                    + (declared == null ? "none" : declared.value()));
        }
        return (IResourceHistoryTableDao) Proxy.newProxyInstance(IResourceHistoryTableDao.class.getClassLoader(),
                new Class<?>[] {IResourceHistoryTableDao.class}, new CurrentVersionsQuery(hapi, entityManager));
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (method.getDeclaringClass() == Object.class && method.getName().equals("equals")) {
            return proxy == args[0];
        }
        if (method.getDeclaringClass() == Object.class && method.getName().equals("hashCode")) {
            return System.identityHashCode(proxy);
        }
        if (method.getName().equals(METHOD) && TransactionSynchronizationManager.isActualTransactionActive()) {
            @SuppressWarnings("unchecked")
            List<JpaPid> pids = (List<JpaPid>) args[0];
            return currentVersions(pids);
        }
        try {
            return method.invoke(hapi, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private List<ResourceHistoryTable> currentVersions(List<JpaPid> pids) {
        List<Long> ids = pids.stream().map(JpaPid::getId).distinct().toList();
        if (ids.isEmpty()) {
            return new ArrayList<>();
        }
        int size = paddedSize(ids.size());
        TypedQuery<ResourceHistoryTable> query = entityManager.createQuery(
                queries.computeIfAbsent(size, CurrentVersionsQuery::jpql), ResourceHistoryTable.class);
        for (int i = 0; i < size; i++) {
            query.setParameter("id" + i, ids.get(Math.min(i, ids.size() - 1)));
        }
        return new ArrayList<>(query.getResultList());
    }

    /** The least power of two that is at least {@code count}. */
    static int paddedSize(int count) {
        return count <= 1 ? 1 : Integer.highestOneBit(count - 1) << 1;
    }

    static String jpql(int size) {
        StringBuilder ids = new StringBuilder();
        for (int i = 0; i < size; i++) {
            ids.append(i == 0 ? ":id" : ", :id").append(i);
        }
        return "SELECT v FROM ResourceHistoryTable v JOIN FETCH v.myResourceTable t"
                + " WHERE v.myResourceId IN (" + ids + ") AND t.myVersion = v.myResourceVersion";
    }
}
